// Memory policy for big builds. After parsing, the main thread holds the whole
// archive (about 1 GB at 100,000 articles) and then renders ~145,000 pages, each
// leaving garbage behind. By default V8 lets the heap grow to 2-3 times the live
// data between full collections: 2.8 GB peak RSS at 100,000 articles. Growing it by
// at most 25% past what survived the last full collection kept the peak near
// 1.3x the live data, with no measurable cost in render time (measured at 20,000
// articles: 882 MB -> 535 MB peak).
//
// The setting is process-wide and costs the parse workers 20-40% more CPU (their
// heaps are small and would be collected far more often), so it is set only once
// parsing is done, and set back whenever a parse pool starts.
import { setFlagsFromString } from 'node:v8';

const RENDER_HEAP_GROWING_PERCENT = 25;

/**
 * The flags set here, with their values at start-up, where src/boot.js finds them:
 * V8 checks a code cache against the flags it was made under, so boot.js sets these
 * back while it reads or makes one.
 */
const startFlags: Map<string, { start: string; value: string }> = ((globalThis as Record<symbol, unknown>)[Symbol.for('broadsheet.v8-start-flags')] ??= new Map()) as Map<string, { start: string; value: string }>;

function setFlag(name: string, value: number, start: number): void {
  setFlagsFromString(`--${name}=${value}`);
  startFlags.set(name, { start: String(start), value: String(value) });
}

/** For the main thread's long render: the heap stays close to its live data. */
export function keepHeapNearLiveSize(): void {
  setFlag('heap-growing-percent', RENDER_HEAP_GROWING_PERCENT, 0);
}

/** V8's own heap growth (0 = its default), for allocation-heavy parsing. */
export function defaultHeapGrowth(): void {
  setFlag('heap-growing-percent', 0, 0);
}

// Parse workers start cold: every worker compiles the Markdown stack's hot functions
// with TurboFan on V8's background threads. With the defaults that compiling costs
// about as much CPU as the parsing itself over a worker's first few thousand files
// (4,000 standard files: 1.3 s of CPU for 0.78 s of parsing), and with both cores busy
// parsing, it takes their time. Optimizing later, with more feedback, compiles less
// and deoptimizes less: 0.95 s of CPU for the same files. The flag is process-wide, so
// it is set only while workers parse (the main thread mostly waits then) and set back
// after: the main thread renders with a core to spare, where V8's default serves best.
//
// Setting it back needs V8's default, which V8 does not report: the one measured here
// is V8 11.3's (Node 20). Under another V8, or when the user chose a budget
// (`node --interrupt-budget=...`; NODE_OPTIONS refuses it), the flag is left alone.
const V8_DEFAULT_INTERRUPT_BUDGET = 67_584;
const PARSE_WORKER_INTERRUPT_BUDGET = 250_000;
const TUNED_FOR_V8 = /^11\.3\./;

const userChoseBudget = () => process.execArgv.some((option) => option.includes('interrupt-budget'));
const tuneTiering = () => TUNED_FOR_V8.test(process.versions.v8) && !userChoseBudget();

/** Later, cheaper optimization, for threads that start cold and share the cores (parse workers). */
export function optimizeLater(): void {
  if (tuneTiering()) setFlag('interrupt-budget', PARSE_WORKER_INTERRUPT_BUDGET, V8_DEFAULT_INTERRUPT_BUDGET);
}

/** V8's default tiering again. */
export function defaultOptimization(): void {
  if (tuneTiering()) setFlag('interrupt-budget', V8_DEFAULT_INTERRUPT_BUDGET, V8_DEFAULT_INTERRUPT_BUDGET);
}
