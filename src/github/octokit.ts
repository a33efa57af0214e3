/**
 * Octokit as this action builds it: `@actions/github`'s client (REST and pagination plugins)
 * sending through the shared network (../net/dispatcher.ts), with Octokit's plugin-retry and
 * plugin-throttling around {@link attemptPlugin}, which adapts them to this action. Octokit's
 * modules are imported by {@link buildOctokit} itself, so a run that never calls GitHub never
 * loads them.
 *
 * Retries: plugin-retry for 5xx, dropped connections, timeouts and unreadable answers
 * (idempotent calls only), plugin-throttling for GitHub's rate limits (any call: a limited
 * request was not acted on).
 */
import type { Network } from '../net/dispatcher.js'
import { findProxyError } from '../net/proxy.js'

export interface RequestErrorLike {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined> }
}

/** Methods whose repetition changes nothing more (a PATCH sends the same whole body again). */
const IDEMPOTENT = new Set(['GET', 'PUT', 'PATCH', 'DELETE'])
/** Retries after the first attempt, whatever the failure. */
const RETRIES = 3
/** A rate limit that asks for a longer wait is not waited out: the call fails at once. */
const MAX_WAIT_S = 60

type RequestError = import('@octokit/request-error').RequestError
export type Octokit = import('@octokit/core').Octokit
/** The parts of a request's options read here (Octokit's hook passes its merged options). */
interface RequestOptions {
  method: string
  url: string
  request?: { retryCount?: unknown; [option: string]: unknown }
}

/** 429, or a 403 that says it is a rate limit (a `Retry-After`, or the words). */
export function isRateLimit(e: RequestErrorLike): boolean {
  return (
    e.status === 429 ||
    (e.status === 403 &&
      (/rate limit/i.test(e.message ?? '') || e.response?.headers?.['retry-after'] !== undefined))
  )
}

/** What plugin-throttling itself recognises: its secondary-limit wording or an exhausted quota. */
function throttlingSees(e: RequestErrorLike): boolean {
  return (
    /\bsecondary rate\b/i.test(e.message ?? '') ||
    e.response?.headers?.['x-ratelimit-remaining'] === '0'
  )
}

/**
 * A JSON answer that did not parse (a proxy cut it short): Octokit hands it back as a string.
 * Reported like a 502 so reads are retried and writes are treated as having an unknown outcome.
 */
function unreadable(res: { status: number; headers: Record<string, unknown>; data: unknown }) {
  const type = String(res.headers['content-type'] ?? '')
  return res.status !== 204 && /json/i.test(type) && typeof res.data === 'string'
}

interface Knobs {
  timeoutMs: number
  log: (message: string) => void
  RequestError: typeof import('@octokit/request-error').RequestError
}

/**
 * One attempt, innermost of the request hooks (only auth is inside it), so plugin-retry and
 * plugin-throttling, whose hooks wrap this one, go through it again on every retry:
 * - each attempt gets its own timeout signal, set on `options` itself (the hooks inside this one
 *   were bound to that object, and plugin-retry reads `retries` from it when the attempt fails);
 * - a call that is not idempotent gets `retries: 0`, so plugin-retry never sends it again after a
 *   5xx, a dropped connection, a timeout or an unreadable answer: its outcome is unknown and the
 *   caller looks before it writes again (sticky-comment.ts). Rate limits (never acted on) are
 *   still retried, by plugin-throttling or below;
 * - every failure reaches plugin-retry as a RequestError: it retries nothing else;
 * - a rate limit plugin-throttling would not recognise (a bare 429, a 403 with `Retry-After`)
 *   is handed to plugin-retry with the wait it asked for, through `retry.retryRequest`.
 */
function attemptPlugin(k: Knobs) {
  return (octokit: Octokit): void => {
    octokit.hook.wrap('request', async (request, options) => {
      options.request = {
        ...options.request,
        signal: AbortSignal.timeout(k.timeoutMs),
        ...(IDEMPOTENT.has(options.method) ? {} : { retries: 0 })
      }
      let res: Awaited<ReturnType<typeof request>>
      try {
        res = await request(options)
      } catch (err) {
        throw asRetryable(octokit, k, err, options)
      }
      if (!unreadable(res)) return res
      throw new k.RequestError(`unreadable JSON in a ${res.status} answer`, 502, {
        request: options as never,
        response: res
      })
    })
  }
}

function asRetryable(octokit: Octokit, k: Knobs, err: unknown, options: RequestOptions): unknown {
  // A proxy that refused will refuse again, and nothing reached GitHub: not retried, and no
  // status of GitHub's that a caller could mistake for its own answer.
  const proxy = findProxyError(err)
  if (proxy?.refused)
    return new Error(`GitHub API ${options.method} ${options.url} failed: ${proxy.message}`, {
      cause: err
    })
  // Unreachable, or a 5xx to the CONNECT: the request never left the proxy, so even a write is
  // safe to send again (plugin-retry reads `retries` from these options when this fails).
  if (proxy && options.request) options.request.retries = RETRIES
  const e = err as RequestErrorLike & { request?: unknown }
  if (e.request === undefined) {
    // Not from a received answer (fetch rejected with a bare AbortError, say): plugin-retry
    // only retries RequestErrors. Octokit reports these as 500 too.
    const message = err instanceof Error ? err.message : String(err)
    return new k.RequestError(message, 500, { request: options as never, cause: err })
  }
  if (!isRateLimit(e) || throttlingSees(e)) return err
  const asked = Number(e.response?.headers?.['retry-after'])
  const retryCount = Number(options.request?.retryCount ?? 0)
  const wait = Number.isFinite(asked) && asked >= 0 ? asked : 2 ** retryCount
  const retrying = wait <= MAX_WAIT_S && retryCount < RETRIES
  k.log(limitNote(String(e.status), options, retrying ? wait : undefined))
  if (!retrying) return err
  const retry = (octokit as Octokit & import('@octokit/plugin-retry').RetryPlugin).retry
  return retry.retryRequest(err as RequestError, RETRIES, wait)
}

/** plugin-throttling's handlers: wait as asked, at most {@link RETRIES} times and never long. */
function onLimit(kind: string, log: (message: string) => void) {
  return (
    retryAfter: number,
    options: RequestOptions,
    _octokit: unknown,
    retryCount: number
  ): boolean => {
    const retry = retryCount < RETRIES && retryAfter <= MAX_WAIT_S
    log(limitNote(kind, options, retry ? retryAfter : undefined))
    return retry
  }
}

function limitNote(kind: string, o: RequestOptions, wait: number | undefined): string {
  const then = wait === undefined ? 'not retrying' : `retrying in ${wait} s`
  return `GitHub rate limit (${kind}) on ${o.method} ${o.url}: ${then}`
}

/**
 * Octokit as `@actions/github` builds it (the REST and pagination plugins), sending with the
 * shared network's `fetch` instead of the toolkit's own proxy agent, with Octokit's retry and
 * throttling plugins around {@link attemptPlugin}.
 */
export async function buildOctokit(
  token: string,
  baseUrl: string,
  o: {
    timeoutMs: number
    retryAfterBaseMs: number
    log: (message: string) => void
    network: Network
  }
) {
  const [{ getOctokit }, { retry }, { throttling }, { RequestError }, { default: Bottleneck }] =
    await Promise.all([
      import('@actions/github'),
      import('@octokit/plugin-retry'),
      import('@octokit/plugin-throttling'),
      import('@octokit/request-error'),
      import('bottleneck/light.js')
    ])
  // plugin-throttling queues each write behind the one before (1 s apart, 3 s for calls that
  // notify, such as creating a comment). This action spaces its own comment edits (one per 10 s
  // at most) and must write its final comment within 2.5 s of a cancel: that queue would only
  // delay it. These groups let every write through at once; reads keep the plugin's defaults.
  const unspaced = (): InstanceType<typeof Bottleneck.Group> =>
    new Bottleneck.Group({ maxConcurrent: null, minTime: 0 })
  return getOctokit(
    token,
    {
      baseUrl,
      userAgent: 'devin-handoff-action',
      request: { fetch: o.network.fetch },
      retry: {
        retries: RETRIES,
        retryAfterBaseValue: o.retryAfterBaseMs,
        // Plugin-retry's default list plus 429: rate limits are plugin-throttling's, or come
        // with their own wait from attemptPlugin (retryRequest ignores this list). Left here,
        // a 429 would be retried by both plugins, and on plugin-retry's backoff, not Retry-After.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
      },
      // A secondary limit without Retry-After waits the plugin's fallback, 60 s: GitHub's advice.
      throttle: {
        retryAfterBaseValue: o.retryAfterBaseMs,
        write: unspaced(),
        notifications: unspaced(),
        onRateLimit: onLimit('primary', o.log),
        onSecondaryRateLimit: onLimit('secondary', o.log)
      }
    },
    attemptPlugin({ timeoutMs: o.timeoutMs, log: o.log, RequestError }),
    retry,
    throttling
  )
}
