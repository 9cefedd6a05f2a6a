// Statistics of repeated runs: mean, sample standard deviation, coefficient of variation and the
// 95% Student t confidence interval of the mean.

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
    2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df): the table up to 30, then the Cornish-Fisher expansion around the normal quantile. */
export function tQuantile975(df: number): number {
    if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a whole number >= 1, got ${df}`);
    if (df <= T975.length) return T975[df - 1];
    const z = 1.959964;
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

export interface Spread {
    /** How many values. */
    readonly n: number;
    readonly mean: number;
    /** Sample standard deviation (n - 1); 0 for one value. */
    readonly sd: number;
    /** sd / mean, in percent; 0 when the mean is 0. */
    readonly cvPct: number;
    /** 95% t-interval of the mean; [mean, mean] for one value. */
    readonly ci95: [number, number];
}

export function spread(values: readonly number[]): Spread {
    if (values.length === 0) throw new RangeError("no values");
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
    const half = n > 1 ? (tQuantile975(n - 1) * sd) / Math.sqrt(n) : 0;
    return { n, mean, sd, cvPct: mean === 0 ? 0 : (100 * sd) / mean, ci95: [mean - half, mean + half] };
}
