// The bad-input sweep: invalid configs and plans, each rejected with a message that names the key
// (or field) and says how to fix it (the inputs are in test/bad-inputs.ts).
import * as assert from "assert";
import { PlanError, validatePlan } from "../../../../model";
import { ConfigError, parseLabConfig } from "../../../../components";
import { CONFIGS, PLAN, PLANS } from "../../../bad-inputs";

describe("the bad-input sweep", () => {
    it(`holds at least 30 invalid inputs (${CONFIGS.length} configs, ${PLANS.length} plans)`, () =>
        assert.ok(CONFIGS.length + PLANS.length >= 30));

    for (const [what, values, key, fix] of CONFIGS) {
        it(`config: ${what} -> hvnetlab:${key}`, () => {
            assert.throws(
                () => parseLabConfig((k) => values[k]),
                (e: Error) => {
                    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
                    const line = e.problems.find((p) => p.startsWith(`hvnetlab:${key} `));
                    assert.ok(line, `no problem names hvnetlab:${key}:\n${e.message}`);
                    assert.match(line, /; \S/, "the message says how to fix it");
                    assert.match(line, fix);
                    return true;
                },
            );
        });
    }

    for (const [what, change, field] of PLANS) {
        it(`plan: ${what}`, () =>
            assert.throws(
                () => validatePlan(change(PLAN)),
                (e: Error) => e instanceof PlanError && field.test(e.message),
            ));
    }
});
