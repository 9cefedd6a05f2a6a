// The lab machines' images (tools/images/guest-image.ts, tools/images/xen-host-image.ts): the units they run
// without are masked as `systemctl mask` does, in both recipes (so a change rebuilds both).
import * as assert from "assert";
import { mkdirSync, readlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { GUEST_IMAGE_RECIPE, maskUnits, QUIET_UNITS, XEN_HOST_RECIPE } from "../../../../tools/images";
import { tempDir } from "../../../tmp";

describe("lab machine images", () => {
    it("mask a unit as systemctl mask does: a link to /dev/null in /etc/systemd/system, replacing a unit file there", () => {
        const rootfs = tempDir("rootfs");
        mkdirSync(path.join(rootfs, "etc/systemd/system"), { recursive: true });
        writeFileSync(path.join(rootfs, "etc/systemd/system/apt-daily.timer"), "[Timer]\n");
        maskUnits(rootfs, ["e2scrub_reap.service", "apt-daily.timer"]);
        for (const unit of ["e2scrub_reap.service", "apt-daily.timer"])
            assert.strictEqual(readlinkSync(path.join(rootfs, "etc/systemd/system", unit)), "/dev/null", unit);
    });

    it("quiet the guests and the Xen host alike: e2scrub_reap and apt's timers are masked in both recipes", () => {
        assert.deepStrictEqual(GUEST_IMAGE_RECIPE.masked, QUIET_UNITS);
        assert.deepStrictEqual(XEN_HOST_RECIPE.masked, QUIET_UNITS);
        assert.ok(QUIET_UNITS.includes("e2scrub_reap.service") && QUIET_UNITS.includes("apt-daily.timer"));
    });
});
