// The common start of a run's armed clients, chosen once they are armed. A start time fixed before
// the clients are launched must guess how long launching takes: over SSH that is a session's setup
// (a new channel, a login shell, the programs it starts), from milliseconds on an idle machine to
// seconds in a guest under nested emulation where every guest and sampler wakes at once. The gate
// waits instead: each armed client (set up, waiting in netperf's -s sleep) arrives with the lead
// its transport measured for telling it the time (a round trip on its open session), and the start
// is the moment the last one arrived plus the largest of those leads. Its bound is netperf's: the
// first client armed waits at most `maxWaitMs` (runner/netperf/armed-hold.ts), so a client that arms
// later than that is started late rather than holding every other past its -s wait.

/** How the gate chose the start: the clients it waited for, when, and the lead it added (ms). */
export interface GateReport {
    /** Epoch ms (runner's clock) of the start. */
    readonly startAtMs: number;
    /** How many clients arrived before the start was chosen, and how many were expected. */
    readonly arrived: number;
    readonly expected: number;
    /** From the first arrival to the start (ms): the longest any client waited armed. */
    readonly heldMs: number;
    /** The lead added after the last arrival: the largest lead a client asked for (ms). */
    readonly leadMs: number;
    /** True when the bound on the wait ended it before every client had arrived. */
    readonly cutShort: boolean;
}

/** Gate settings: how long the first armed client may wait, and the least lead to add (ms). */
export interface GateOptions {
    /** From the first arrival, the latest start (ms): the armed wait's bound less its margin. */
    readonly maxWaitMs: number;
    /** The least lead after the last arrival (ms), whatever the clients measured. */
    readonly minLeadMs: number;
    /** The clock (epoch ms); tests give their own. */
    readonly now?: () => number;
}

/**
 * The start time, from the arrivals: the last arrival plus the largest lead, but no later than the
 * first arrival plus maxWaitMs (where the clients still missing at that bound are started late).
 * Pure: `arrivals` are epoch ms, `leads` ms.
 */
export function chooseStart(
    arrivals: readonly number[],
    leads: readonly number[],
    options: Pick<GateOptions, "maxWaitMs" | "minLeadMs">,
): number {
    if (arrivals.length === 0) throw new RangeError("no client arrived at the gate");
    const lead = Math.max(options.minLeadMs, ...leads);
    const first = Math.min(...arrivals);
    return Math.min(Math.max(...arrivals) + lead, first + options.maxWaitMs);
}

/** What a transport sees of the run's gate: the two steps of an armed client, or its leaving. */
export interface Gate {
    /** The client's session can arm at once; resolves when every client's can (or has left). */
    ready(): Promise<void>;
    /** The client is armed and asks for `leadMs` to be told the start; resolves with the start (epoch ms, runner's clock). */
    arrive(leadMs: number): Promise<number>;
    /** The client will not arrive (it failed before it was armed); called at most once, never after arrive. */
    leave(): void;
}

/**
 * Gathers the armed clients of one run, in two steps. `ready`: the client's session is set up and
 * can arm at once (over SSH: its channel is open and the waiting shell runs); it resolves once every
 * expected client is ready or has left, so that no client is armed while another is still
 * connecting. `arrive`: the client is armed; it resolves with the start time (epoch ms, runner's
 * clock) once every client has arrived or left, or the armed wait's bound is reached. A client that
 * fails before it is armed must `leave` (once), so that the others do not wait for it.
 *
 * With `fixedAtMs` (a run that also holds clients launched at a start fixed in advance) both steps
 * resolve at once, and every client starts then.
 */
export class StartGate implements Gate {
    private readonly arrivals: number[] = [];
    private readonly leads: number[] = [];
    private readied = 0;
    private left = 0;
    private start?: number;
    private timer?: NodeJS.Timeout;
    private readonly waiting: ((at: number) => void)[] = [];
    private readonly gathering: (() => void)[] = [];
    private readonly now: () => number;
    private chosen?: GateReport;

    constructor(
        readonly expected: number,
        private readonly options: GateOptions & { readonly fixedAtMs?: number },
    ) {
        if (!Number.isInteger(expected) || expected < 1) throw new RangeError(`a gate expects 1 or more clients, got ${expected}`);
        this.now = options.now ?? Date.now;
    }

    /** The client can arm at once. Resolves when every client can (or has left). */
    ready(): Promise<void> {
        this.readied++;
        const all = new Promise<void>((resolve) => this.gathering.push(resolve));
        this.settle();
        return all;
    }

    /** A client is armed; it asks for `leadMs` to be told the start. Resolves with the start (epoch ms). */
    arrive(leadMs: number): Promise<number> {
        if (this.options.fixedAtMs !== undefined) return Promise.resolve(this.options.fixedAtMs);
        if (this.start !== undefined) return Promise.resolve(this.start);
        this.arrivals.push(this.now());
        this.leads.push(Math.max(0, leadMs));
        const started = new Promise<number>((resolve) => this.waiting.push(resolve));
        if (this.arrivals.length === 1) {
            // The first client's wait is bounded: the start is chosen at the bound whoever is missing.
            const lead = Math.max(this.options.minLeadMs, leadMs);
            this.timer = setTimeout(() => this.choose(true), Math.max(0, this.options.maxWaitMs - lead));
        }
        this.settle();
        return started;
    }

    /** A client will not arrive (it failed before it was armed). */
    leave(): void {
        this.left++;
        this.settle();
    }

    /** How the start was chosen, once it was (undefined with a fixed start). */
    get report(): GateReport | undefined {
        return this.chosen;
    }

    private settle(): void {
        if (this.options.fixedAtMs !== undefined || this.readied + this.left >= this.expected)
            for (const resolve of this.gathering.splice(0)) resolve();
        if (this.start === undefined && this.arrivals.length > 0 && this.arrivals.length + this.left >= this.expected) this.choose(false);
    }

    private choose(bound: boolean): void {
        if (this.start !== undefined) return;
        clearTimeout(this.timer);
        const first = Math.min(...this.arrivals);
        const at = bound ? Math.max(this.now(), first + this.options.maxWaitMs) : chooseStart(this.arrivals, this.leads, this.options);
        this.start = at;
        this.chosen = {
            startAtMs: at,
            arrived: this.arrivals.length,
            expected: this.expected,
            heldMs: Math.round(at - first),
            leadMs: Math.round(Math.max(this.options.minLeadMs, ...this.leads)),
            cutShort: this.arrivals.length + this.left < this.expected,
        };
        for (const resolve of this.waiting.splice(0)) resolve(at);
    }
}
