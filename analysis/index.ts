// analysis/: reading results documents side by side: the comparability rules, the comparison
// and its regression gate, the one-row-per-run summary, the report (Markdown, HTML, CSV, charts),
// failOn's verdict, and the reader of every file a user names.
export {
    CompareInputError,
    checkComparable,
    comparisonTables,
    engineLines,
    formatText,
    formatVerdict,
    gate,
    labelCollisions,
    mismatchNote,
    nicWarnings,
    parseSource,
    parseTolerance,
    pickBaseline,
} from "./compare";
export type { Source } from "./compare";
export { FAIL_ON, failureOf } from "./fail-on";
export type { FailOn } from "./fail-on";
export { readReference, writeReport } from "./report";
export { formatTable, summarize } from "./summary";
export type { SummaryRow } from "./summary";
export { tuningTables } from "./tuning";
export { InputFileError, readInputText, readPlanFile, readSourceFile, readYamlMapping } from "./user-files";
