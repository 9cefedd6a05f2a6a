// Platform limits refused at config time, before anything is created, with the key and the limit.
import * as assert from "assert";
import { ConfigError, parseLabConfig } from "../../../../components";
import { checkVsphereLimits, VSPHERE_MAX_MTU } from "../../../../components/platforms/esx";
import type { Values } from "../../../bad-inputs";
import { ESX, NATIVE } from "../../../bad-inputs";

const parse = (values: Values) => parseLabConfig((k) => values[k]);
const problems = (values: Values): string[] => {
    try {
        parse(values);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
};

describe("platform limits", () => {
    it("accepts the valid esx stack the limits are checked on", () => assert.deepStrictEqual(problems(ESX), []));

    it("esx: accepts a 9000-byte MTU and refuses 9001 and 9216, naming hvnetlab:mtu and the standard switch's limit", () => {
        assert.strictEqual(VSPHERE_MAX_MTU, 9000);
        assert.deepStrictEqual(problems({ ...ESX, mtu: "9000" }), []);
        for (const mtu of ["9001", "9216"])
            assert.deepStrictEqual(problems({ ...ESX, mtu }), [
                `hvnetlab:mtu = "${mtu}" is above the 9000-byte MTU limit of a vSphere standard switch (platform esx); use an MTU from 576 to 9000 bytes`,
            ]);
    });

    it("keeps the vSphere limits to esx: a 9216-byte MTU is accepted on native", () =>
        assert.deepStrictEqual(problems({ ...NATIVE, mtu: "9216" }), []));

    it("reports every vSphere limit a configuration breaks at once", () => {
        const found: string[] = [];
        checkVsphereLimits({ mtu: 9216, guest: { memoryMiB: 1023, diskGiB: 70000 }, nics: ["vmnic1", "enp3s0"] }, (key) => found.push(key));
        assert.deepStrictEqual(found, ["mtu", "guest.memoryMiB", "guest.diskGiB", "host.nics"]);
    });
});
