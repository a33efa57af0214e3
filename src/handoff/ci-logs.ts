/**
 * The failed jobs' logs cut down to what Devin needs: each job's tail, where a failure is
 * reported, within one byte budget for all jobs together. Pure: the logs come from the GitHub
 * edge (../github/actions.ts, `jobLog`), and the caller screens the result for secrets with the
 * existing screen before anything leaves the runner.
 *
 * Sizes are UTF-8 bytes of the text returned, the form it is uploaded in. Every cleaning step
 * only ever shrinks the text, so a budget computed before decoding holds after it.
 */

/** One step of a job, as the jobs list gives it. */
export interface CiStep {
  name: string
  number: number
  conclusion: string | null
}

/** A failed job and what was downloaded of its log. */
export interface CiJobLog {
  id: number
  name: string
  html_url?: string | null
  steps: readonly CiStep[]
  /** The last bytes of the log; may start inside a line or a character. */
  log: Uint8Array
  /** True when the log had bytes before `log` (the download kept only its end). */
  cutBefore: boolean
}

export interface CiJobTail {
  id: number
  name: string
  html_url?: string | null
  /** The steps that failed or timed out, in order. */
  failedSteps: CiStep[]
  /** The end of the log, from a line start when the log had one inside the budget. */
  text: string
  /** UTF-8 bytes of `text`. */
  bytes: number
  /** True when the log's beginning is not in `text`. */
  cutBefore: boolean
}

const FAILED = new Set(['failure', 'timed_out'])

/** A job's or step's conclusion that counts as its failure. */
export function isFailed(conclusion: string | null | undefined): boolean {
  return conclusion != null && FAILED.has(conclusion)
}
const NEWLINE = 0x0a

/** The steps a reader should look at: those that failed or ran out of time. */
export function failedSteps(steps: readonly CiStep[]): CiStep[] {
  return steps.filter((s) => isFailed(s.conclusion))
}

/** Index of the first byte that starts a UTF-8 character at or after `i` (skips continuations). */
function charStart(bytes: Uint8Array, i: number): number {
  let j = i
  while (j < bytes.length && ((bytes[j] ?? 0) & 0xc0) === 0x80) j++
  return j
}

/**
 * The first line start after `from`, when the bytes from there hold a whole line: what is left of
 * a log whose beginning was cut off at `from`. With no such line (one huge line), the first whole
 * character instead: half a line is better than nothing, half a character is not text.
 */
export function afterPartialLine(bytes: Uint8Array, from: number): number {
  const nl = bytes.indexOf(NEWLINE, from)
  return nl >= 0 && nl + 1 < bytes.length ? nl + 1 : charStart(bytes, from)
}

/** Where a tail cut at `from` should begin: `from` itself when a line starts there. */
export function cleanStart(bytes: Uint8Array, from: number): number {
  if (from <= 0) return 0
  return bytes[from - 1] === NEWLINE ? from : afterPartialLine(bytes, from)
}

// GitHub prefixes every log line with its time: `2024-05-01T12:00:00.1234567Z `.
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/gm
// Colours and cursor moves (ESC [ … final byte): noise for a reader, never content.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]/g
// What is left of binary output: control characters, and bytes that were no UTF-8 (U+FFFD).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\ufffd]/g

/**
 * Log bytes as text a reader (and a secret screen) can take: timestamps, colours and carriage
 * returns dropped, anything binary or not UTF-8 shown as `?`. Never longer in UTF-8 than the
 * bytes it came from: each replacement is one byte standing for at least one.
 */
export function cleanLog(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })
    .decode(bytes)
    .replace(/\r(?=\n|$)/g, '')
    .replace(TIMESTAMP, '')
    .replace(ANSI, '')
    .replace(CONTROL, '?')
}

/**
 * Shares of `budget` for logs of the given sizes: equal shares, and a log shorter than its share
 * gives what it does not need to the others (smallest first, so each gives all it can).
 */
export function fairShares(sizes: readonly number[], budget: number): number[] {
  const shares = sizes.map(() => 0)
  const order = sizes.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s)
  let left = Math.max(0, Math.floor(budget))
  order.forEach(({ s, i }, k) => {
    const share = Math.min(s, Math.floor(left / (order.length - k)))
    shares[i] = share
    left -= share
  })
  return shares
}

/** The last at most `max` bytes of `bytes`, started cleanly (see {@link cleanStart}). */
function tailOf(bytes: Uint8Array, max: number): { text: Uint8Array; cut: boolean } {
  if (bytes.length <= max) return { text: bytes, cut: false }
  return { text: bytes.subarray(cleanStart(bytes, bytes.length - max)), cut: true }
}

/**
 * Each failed job's log tail, all of them together within `maxBytes` (UTF-8). A log whose
 * download began mid-way loses its first partial line first; each is then cleaned
 * ({@link cleanLog}), shares are worked out on the cleaned sizes ({@link fairShares}) and each
 * log keeps its end within its share, from a line start when there is one.
 */
export function tailLogs(jobs: readonly CiJobLog[], maxBytes: number): CiJobTail[] {
  const encoder = new TextEncoder()
  const cleaned = jobs.map((job) => {
    // Whether the kept bytes began at a line start is unknown: the first line is dropped.
    const start = job.cutBefore ? afterPartialLine(job.log, 0) : 0
    return encoder.encode(cleanLog(job.log.subarray(start)))
  })
  const shares = fairShares(
    cleaned.map((c) => c.length),
    maxBytes
  )
  const decoder = new TextDecoder()
  return jobs.map((job, i) => {
    const { text, cut } = tailOf(cleaned[i] ?? new Uint8Array(), shares[i] ?? 0)
    return {
      id: job.id,
      name: job.name,
      ...(job.html_url === undefined ? {} : { html_url: job.html_url }),
      failedSteps: failedSteps(job.steps),
      text: decoder.decode(text),
      bytes: text.length,
      cutBefore: job.cutBefore || cut
    }
  })
}
