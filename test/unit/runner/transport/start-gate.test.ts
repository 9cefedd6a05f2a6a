// The start gate: the common start of a run's armed clients, chosen once they are armed.
import * as assert from "assert";
import { chooseStart, StartGate } from "../../../../runner/transport/start-gate";

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("the start gate of armed clients", () => {
    it("starts at the last arrival plus the largest lead, within the first arrival's bound", () => {
        const o = { maxWaitMs: 2500, minLeadMs: 10 };
        assert.strictEqual(chooseStart([1000, 1400, 1200], [5, 30, 8], o), 1430);
        assert.strictEqual(chooseStart([1000], [2], o), 1010, "the least lead applies");
        // A client that armed 3 s after the first would hold the first past its -s wait: the bound wins.
        assert.strictEqual(chooseStart([1000, 4000], [5, 5], o), 3500);
        assert.throws(() => chooseStart([], [], o), /no client arrived/);
    });

    it("waits for every client to be ready before any arms, and for every client to arm before it starts", async () => {
        const gate = new StartGate(3, { maxWaitMs: 2500, minLeadMs: 10 });
        const order: string[] = [];
        const a = gate.ready().then(() => order.push("a can arm"));
        const b = gate.ready().then(() => order.push("b can arm"));
        await pause(20);
        assert.strictEqual(order.length, 0, "a third client is still connecting");
        void gate.ready().then(() => order.push("c can arm"));
        await Promise.all([a, b]);
        assert.strictEqual(order.length, 3);
        const t0 = Date.now();
        const first = gate.arrive(5);
        await pause(60);
        const second = gate.arrive(40);
        gate.leave(); // the third failed before it armed
        const [s1, s2] = await Promise.all([first, second]);
        assert.strictEqual(s1, s2, "one start for all");
        assert.ok(s1 - t0 >= 95 && s1 - t0 < 200, `the start ${s1 - t0} ms after the first arrival: the second's arrival plus its 40 ms`);
        assert.deepStrictEqual(
            { ...gate.report, startAtMs: 0, heldMs: 0 },
            {
                startAtMs: 0,
                heldMs: 0,
                arrived: 2,
                expected: 3,
                leadMs: 40,
                cutShort: false,
            },
        );
    });

    it("starts the arrived clients at the bound when one never arms, and a late one at once", async () => {
        const gate = new StartGate(2, { maxWaitMs: 150, minLeadMs: 10 });
        const t0 = Date.now();
        const at = await gate.arrive(20);
        assert.ok(at - t0 >= 145 && at - t0 < 250, `started ${at - t0} ms after the first arrival, at the 150 ms bound`);
        assert.strictEqual(gate.report?.cutShort, true);
        assert.strictEqual(await gate.arrive(20), at, "a client armed after the start is told the start that passed: it starts at once");
    });

    it("gives every client the start fixed in advance where the run has one", async () => {
        const gate = new StartGate(2, { maxWaitMs: 2500, minLeadMs: 10, fixedAtMs: 12345 });
        await gate.ready();
        assert.strictEqual(await gate.arrive(1), 12345);
        assert.strictEqual(gate.report, undefined);
    });

    it("refuses a gate for no client", () => assert.throws(() => new StartGate(0, { maxWaitMs: 1, minLeadMs: 1 }), /1 or more clients/));
});
