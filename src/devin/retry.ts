/**
 * Pure retry and backoff helpers for the Devin client (and anything else that polls an HTTP API).
 * No I/O here: callers pass the clock and the random source so the maths can be tested exactly.
 */

/** Methods whose repetition cannot change server state beyond the first successful call. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase())
}

/**
 * Whether a response status is worth another attempt of the same request.
 * 429 is retried for every method: a rate-limited request was never processed, so resending a POST
 * cannot create a duplicate. 5xx (and 408) may mean the server did act, so only idempotent methods
 * are retried; 501 and 505 are permanent by definition.
 */
export function isRetryableStatus(method: string, status: number): boolean {
  if (status === 429) return true
  if (!isIdempotentMethod(method)) return false
  if (status === 408) return true
  return status >= 500 && status <= 599 && status !== 501 && status !== 505
}

/**
 * Parses a `Retry-After` header (delta-seconds or HTTP-date) into milliseconds from `now`.
 * Returns undefined when the header is absent or unreadable, so the caller falls back to backoff.
 * A date in the past yields 0.
 */
export function parseRetryAfter(
  header: string | string[] | undefined | null,
  now: number
): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header
  if (raw === undefined || raw === null) return undefined
  const value = raw.trim()
  if (value === '') return undefined
  if (/^\d+(\.\d+)?$/.test(value)) {
    const seconds = Number(value)
    return Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined
  }
  // Only accept things that look like an HTTP-date; Date.parse is lenient with junk like "5m".
  if (!/[a-z]{3}/i.test(value)) return undefined
  const at = Date.parse(value)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now)
}

export interface BackoffOptions {
  /** Delay ceiling for the first retry before jitter. */
  baseMs: number
  /** Upper bound of any single delay. */
  capMs: number
  /** Uniform [0, 1) source; injectable so tests are deterministic. */
  random: () => number
}

/**
 * Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))).
 * `attempt` is the 1-based number of the attempt that just failed.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const n = Math.max(1, Math.floor(attempt))
  // Clamp the exponent so huge attempt numbers cannot overflow to Infinity.
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(n - 1, 30))
  const r = Math.min(Math.max(opts.random(), 0), 1)
  return Math.floor(r * ceiling)
}

/** The wait before the next attempt: the server's Retry-After when given, else backoff; capped. */
export function retryWait(
  attempt: number,
  retryAfterMs: number | undefined,
  opts: BackoffOptions
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), opts.capMs)
  return backoffDelay(attempt, opts)
}
