// What a `pulumi preview --json` plans, read from its JSON (the engine's preview document: a
// `steps` list of { op, urn, ... }, op one of same, create, update, delete, replace,
// create-replacement, delete-replaced, read, ...). The labs use it to hold the program to what a
// user expects of a standing lab: an unchanged lab plans nothing, a changed one replaces exactly
// what the change touches.

/** One planned step: the engine's op and the resource's URN and type. */
export interface PlannedStep {
    readonly op: string;
    readonly urn: string;
    /** The type token, from the URN (urn:pulumi:stack::project::[parent$]type::name). */
    readonly type: string;
    /** The resource's name, from the URN. */
    readonly name: string;
}

/**
 * The steps of a preview that change something (every op but `same` and `read`). Throws an Error
 * naming what was expected where the text is not a preview document.
 */
export function plannedChanges(previewJson: string): PlannedStep[] {
    let doc: unknown;
    try {
        doc = JSON.parse(previewJson);
    } catch {
        throw new Error(`pulumi preview --json printed no JSON: ${previewJson.slice(0, 200)}`);
    }
    const steps = (doc as { steps?: unknown }).steps;
    if (!Array.isArray(steps)) throw new Error("pulumi preview --json printed no steps list");
    return steps
        .map((s: { op?: unknown; urn?: unknown }) => {
            const urn = String(s.urn ?? "");
            const parts = urn.split("::");
            const types = (parts[2] ?? "").split("$");
            return { op: String(s.op ?? ""), urn, type: types[types.length - 1], name: parts[3] ?? "" };
        })
        .filter((s) => s.op !== "same" && s.op !== "read");
}

/** The names of the resources of a type that a preview replaces (op replace or create-replacement). */
export function replaced(steps: readonly PlannedStep[], type: string): string[] {
    const names = steps.filter((s) => s.type === type && (s.op === "replace" || s.op === "create-replacement")).map((s) => s.name);
    return [...new Set(names)].sort();
}
