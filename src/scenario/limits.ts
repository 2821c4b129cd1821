/**
 * What a scenario may ask for, in one place. Each limit refuses input that
 * would otherwise abort (out of memory), overflow (cycles beyond
 * Number.MAX_SAFE_INTEGER) or run for days, and is set well above everything
 * shipped: scenarios/*.yaml, the tests' scenarios and every experiment's
 * points with their defaults (largest today: 54 modules, 114 edges, 18 tasks,
 * 1 port, 100 000 flows, 1.6e7 frames offered by a whole experiment, 4
 * control points, 202 ms of virtual time). docs/scenario-format.md ("Limits")
 * lists them with the older per-field bounds of validate.ts. COLD. No
 * imports: every checker may import it.
 *
 * Counts are checked right after parsing, before any item is looked at, so
 * a file of 780 000 modules gets one line, not 780 000 problems.
 */

// ------------------------------------------------------------------ the file

/**
 * Largest scenario file (or text on standard input), checked before it is
 * read. JSON.parse reads 4 MiB in about 40 ms; validation of the largest
 * counts below takes well under a second. For big, generated scenarios.
 */
export const MAX_SCENARIO_BYTES = 4 * 1024 * 1024;

/**
 * Largest text given to the YAML parser (a .yaml file, or text that is not
 * JSON), checked before it parses. The parser takes about 1.2 s and 100 MB
 * per MiB on a 2-vCPU machine (9 MiB: 9 s, 1 GB) and more when the heap is
 * busy, so this keeps a load well under a second. The shipped scenarios are
 * under 2 KiB; 4096 modules written one per line are about 300 KiB; larger
 * scenarios can be written as JSON.
 */
export const MAX_YAML_BYTES = 512 * 1024;

/**
 * YAML aliases: how many times the values of one anchor may be expanded
 * (the yaml package's `maxAliasCount`, counted as it counts them: an alias
 * inside an anchor that is itself aliased multiplies). Aliases share one
 * object, so the limit is what keeps a few lines (the "billion laughs")
 * from expanding into more values than the checks can walk.
 */
export const MAX_YAML_ALIAS_EXPANSIONS = 1000;

/** Deepest nesting of lists and mappings (a scenario needs about 8). */
export const MAX_NESTING_DEPTH = 64;

// ---------------------------------------------------------------- the counts

/** `ports`. */
export const MAX_PORTS = 64;
/** `modules`. */
export const MAX_MODULES = 4096;
/** `edges`: an output gate or an RX queue feeds at most one edge, so this leaves room for every module's gates and every RX queue. */
export const MAX_EDGES = 16384;
/** `tasks`: every RX queue of a port with traffic and every queue module is the root of one. */
export const MAX_TASKS = 16384;
/** `schedulers`: a core is in at most one entry, so one per core (machine.cores <= 1024). */
export const MAX_SCHEDULERS = 1024;
/** `taps`: each keeps up to 2^20 frame copies per worker thread in memory until the run ends. */
export const MAX_TAPS = 64;
/** `frameSizes` of one port: one entry per possible frame size, 64..1522 bytes (traffic.ts imports this file, so not computed from its constants). */
export const MAX_FRAME_SIZE_ENTRIES = 1522 - 64 + 1;
/** Generator flows over all ports (each port: 1 000 000): the engine keeps per-flow counters and an RSS table for every flow. */
export const MAX_TOTAL_FLOWS = 4_000_000;

/** A port's line rate, and a line-rate event's (events.ts): 1 kbps to 10 Tbps. */
export const MIN_LINE_RATE_BPS = 1e3;
export const MAX_LINE_RATE_BPS = 1e13;

// ----------------------------------------------------------------- the time

/**
 * Longest duration anywhere in a scenario (duration, warmup, start, a
 * scheduler's slices; the CLI's --duration, --window and --warmup): one day.
 * It keeps a duration in whole cycles a safe integer at every accepted clock
 * (86 400 s x 100 GHz = 8.6e15 < 2^53), and idle virtual time costs nothing,
 * so a long, quiet run stays possible.
 */
export const MAX_DURATION_SECONDS = 86_400;

/**
 * Control points: every `controlPeriod` all worker threads stop at the same
 * virtual time and the main thread collects telemetry, which costs about
 * 0.3 ms of wall time each (2 000 control points in a 2 ms run of
 * pipeline-3 took 0.75 s more than one). At most this many per run
 * (about 30 s of synchronisation)...
 */
export const MAX_CONTROL_POINTS = 100_000;
/** ...and none closer than 1 µs: a batch of packets alone takes about that long. */
export const MIN_CONTROL_PERIOD_SECONDS = 1e-6;

// ---------------------------------------------------------------- the traffic

/**
 * A port's offered rate may exceed what its wire carries (the sender buffer
 * tail-drops the excess, counted as nic_line_rate), but the generator still
 * creates every frame it offers. At most this many times the wire's frame
 * rate for the smallest frame (64 bytes: 14.88 Mpps on 10 GbE, so up to
 * 148.8 Mpps or 100 Gbps there); overload tests offer 1.3x.
 */
export const MAX_OVERSUBSCRIPTION = 10;

/**
 * Breakpoints of one rate profile over a run (traffic/rate-profile.ts, where
 * the engine needs it too): a sine takes 128 per period, an on/off 4 per
 * cycle, a trace one per line. 1e6 is 24 MB of Float64Arrays per port, built
 * once, and a sine of 1 µs period over about 8 ms.
 */
export { MAX_PROFILE_POINTS } from '../traffic/rate-profile.js';

/**
 * Frames the generators of one run may offer (rate x (duration - start),
 * times the profile's integral where there is one, over all ports), and
 * those of all the points of an experiment together. The engine runs 0.1 to
 * 2 million frames per second of wall time (work.ts), so this is 8 minutes
 * to 3 hours; above FRAMES_NOTICE the CLI says how long it expects before
 * starting. Pcap replay is bounded by its file and `loop`.
 */
export const MAX_OFFERED_FRAMES = 1e9;
/** Offered frames above which `emu run` and `emu scenario` print a wall-time estimate first (tens of seconds at least). */
export const FRAMES_NOTICE = 2e7;
