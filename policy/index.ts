// hvnetlab's policy pack: `pulumi preview --policy-pack policy` (npm run pulumi -- preview
// --policy-pack policy) checks a stack against the rules that keep a lab fair. The rules
// themselves are pure functions in rules.ts.
import { PolicyPack, Secret } from "@pulumi/policy";
import type { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
    guestNicFindings,
    guestShapeFindings,
    planGuestNicFindings,
    planOf,
    planSharedNicFindings,
    plainKeyPaths,
    sharedPnicFindings,
} from "./rules";
import type { SeenResource } from "./rules";

const seen = (r: { urn: string; type: string; name: string; props: Record<string, any> }): SeenResource => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    props: r.props,
});

/**
 * The properties as the engine sent them, secrets still wrapped: @pulumi/policy unwraps secrets
 * for validation and hands remediations a proxy that keeps them; its target holds the wrappers.
 */
function withSecrets(props: unknown): Record<string, unknown> {
    let p = props as Record<string, unknown>;
    while (p && typeof p === "object" && p["__isSpecialProxy"] === true) p = p["__getSpecialProxyTarget"] as Record<string, unknown>;
    return p;
}

new PolicyPack("hvnetlab", {
    description: "Rules that keep an hvnetlab lab fair and its keys secret",
    policies: [
        {
            name: "one-benchmark-nic-per-guest",
            description: "Every guest has its management NIC and exactly one benchmark NIC, on one dedicated wire.",
            enforcementLevel: "mandatory",
            validateResource: (args: ResourceValidationArgs, reportViolation) => {
                const r = seen(args);
                const plan = planOf(r);
                for (const m of [...(plan ? planGuestNicFindings(plan) : []), ...guestNicFindings(r)]) reportViolation(m);
            },
        },
        {
            name: "dedicated-pnics",
            description: "No dedicated NIC carries two guests' traffic.",
            enforcementLevel: "mandatory",
            validateResource: (args: ResourceValidationArgs, reportViolation) => {
                const plan = planOf(seen(args));
                for (const m of plan ? planSharedNicFindings(plan) : []) reportViolation(m);
            },
            validateStack: (args: StackValidationArgs, reportViolation) => {
                for (const f of sharedPnicFindings(args.resources.map(seen))) reportViolation(f.message, f.urn);
            },
        },
        {
            name: "matched-guests",
            description: "Every guest of one lab has the same shape (vCPUs, memory, disks).",
            enforcementLevel: "mandatory",
            validateStack: (args: StackValidationArgs, reportViolation) => {
                for (const f of guestShapeFindings(args.resources.map(seen))) reportViolation(f.message, f.urn);
            },
        },
        {
            // Validation sees secrets unwrapped, so this rule runs where they are still marked: as a
            // remediation, which fails the preview or update when a key-carrying input is plain.
            name: "keys-are-secrets",
            description: "No input that carries a password or a private key is plain text.",
            enforcementLevel: "remediate",
            remediateResource: (args) => {
                const plain = plainKeyPaths(args.type, withSecrets(args.props), (v) => v instanceof Secret);
                if (plain.length > 0) {
                    throw new Error(
                        `${args.name} has ${plain.join(", ")} in plain text: pass it as a Pulumi secret (pulumi.secret, config --secret)`,
                    );
                }
                return undefined;
            },
        },
    ],
});
