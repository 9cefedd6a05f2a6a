// analysis/: its public surface, what other folders import from it.
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
export { InputFileError, readInputText, readPlanFile, readSourceFile, readYamlMapping } from "./user-files";
