/**
 * How the Devin client talks HTTP: one attempt at a time (./http.ts), retried as ./retry.ts says,
 * redirects followed with the key kept to the API's own origin, and every failure turned into a
 * typed error (./errors.ts) that never carries the key. A proxy that refuses (a 4xx to the
 * CONNECT) is a configuration error: nothing reached Devin and nothing is retried. A proxy that
 * cannot be reached, or cannot reach Devin (a 5xx to the CONNECT), is retried like a dropped
 * connection, creates and messages included: they never left, so they cannot arrive twice.
 */
import type { FormData } from 'undici'
import type { Log as DevinLogger } from '../hygiene/log.js'
import { sharedNetwork, type Network } from '../net/dispatcher.js'
import { errorDetailFromBody, malformedError, networkError, statusError } from './errors.js'
import type { DevinApiError } from './errors.js'
import { DevinConfigError, DevinNetworkError } from './errors.js'
import { BodyTooLargeError, sendOnce, TransportError } from './http.js'
import {
  backoffDelay,
  isIdempotentMethod,
  isRetryableStatus,
  parseRetryAfter,
  retryWait,
  type BackoffOptions
} from './retry.js'
import { scrubSecret } from '../hygiene/scrub.js'

export interface DevinClientOptions {
  /** Base URL, e.g. https://api.devin.ai (a path prefix for proxies is kept). */
  apiUrl: string
  apiKey: string
  /** Per attempt, headers and body together. */
  requestTimeoutMs?: number
  maxAttempts?: number
  log?: DevinLogger
  sleep?: (ms: number) => Promise<void>
  random?: () => number
  userAgent?: string
  /** Per attempt of `download`, redirects included; attachments can be large. */
  downloadTimeoutMs?: number
  /** The process's shared network by default; the transport never closes it. */
  network?: Network
}

const MAX_WAIT_MS = 60_000
const MAX_JSON_BYTES = 16 * 1024 * 1024
const MAX_REDIRECTS = 5
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
  /** Where the answer came from, safe to show (see {@link shown}). */
  display: string
  fromApi: boolean
}

interface AttemptOptions {
  headers: Record<string, string>
  body?: string | FormData
  timeoutMs: number
  maxBytes: number
}

interface Target {
  url: URL
  /** The full URL for messages (see {@link shown}). */
  display: string
  /** The short form for debug lines: the path alone for the API's own URLs. */
  brief: string
  fromApi: boolean
}

/**
 * A URL as messages show it: origin and path, so that a wrong `api-url` prefix is there to see
 * (`/v3/v3/…`). No user info (an origin has none) and no query string: presigned download URLs
 * carry their credentials there.
 */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`
}

const silent: DevinLogger = { debug() {}, info() {}, warning() {} }

export class DevinTransport {
  readonly #apiKey: string
  readonly #base: string
  readonly #origin: string
  readonly #inFlight = new Set<Promise<unknown>>()
  readonly #timeoutMs: number
  readonly #downloadTimeoutMs: number
  readonly maxAttempts: number
  readonly log: DevinLogger
  readonly sleep: (ms: number) => Promise<void>
  readonly backoff: BackoffOptions
  readonly #userAgent: string
  readonly #network: Network

  constructor(opts: DevinClientOptions) {
    this.#apiKey = opts.apiKey
    this.#base = opts.apiUrl.trim().replace(/\/+$/, '')
    this.#origin = new URL(this.#base).origin
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000
    this.#downloadTimeoutMs = opts.downloadTimeoutMs ?? Math.max(this.#timeoutMs, 120_000)
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5)
    this.log = opts.log ?? silent
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.backoff = { baseMs: 1000, capMs: MAX_WAIT_MS, random: opts.random ?? Math.random }
    this.#userAgent = opts.userAgent ?? 'devin-handoff-action'
    this.#network = opts.network ?? sharedNetwork()
  }

  /** Removes the API key (and anything shaped like a credential) from text. */
  scrub(text: string): string {
    return scrubSecret(this.#apiKey, text)
  }

  /** `path` is the API path the client asked for; the message shows its full URL. */
  malformed(f: { method: string; path: string; status: number; detail: string }): DevinApiError {
    return malformedError(this.#apiKey, { ...f, path: shown(this.#url(f.path)) })
  }

  async json(
    method: string,
    path: string,
    o: { query?: URLSearchParams; body?: unknown; form?: FormData } = {}
  ): Promise<unknown> {
    const target = this.#target(path, o.query)
    const headers = this.#headers(true, true)
    // A form is re-encoded by undici on each attempt, so a retry sends the whole file again.
    const body = o.form ?? (o.body === undefined ? undefined : JSON.stringify(o.body))
    if (typeof body === 'string') headers['content-type'] = 'application/json'
    const res = await this.#withRetries(method, () =>
      this.#once(method, target, {
        headers,
        body,
        timeoutMs: this.#timeoutMs,
        maxBytes: MAX_JSON_BYTES
      })
    )
    const text = res.body.toString('utf8')
    if (text.trim() === '') return undefined
    try {
      return JSON.parse(text)
    } catch {
      const excerpt = errorDetailFromBody(scrubSecret(this.#apiKey, text)).slice(0, 120)
      throw malformedError(this.#apiKey, {
        method,
        path: target.display,
        status: res.status,
        detail: `response is not valid JSON: ${excerpt}`
      })
    }
  }

  /** Follows redirects; the bearer header goes only to the API's own origin. */
  async download(url: string, maxBytes: number): Promise<Buffer> {
    const start = new URL(url, `${this.#base}/`)
    const res = await this.#withRetries('GET', () => this.#followRedirects(start, maxBytes))
    return res.body
  }

  /**
   * Waits for requests still in flight. The dispatcher stays open: it is the process's, shared
   * with the GitHub client (see ../net/dispatcher.ts).
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight])
  }

  #url(path: string, query?: URLSearchParams): URL {
    const qs = query && [...query.keys()].length ? `?${query.toString()}` : ''
    return new URL(`${this.#base}${path}${qs}`)
  }

  #target(path: string, query?: URLSearchParams): Target {
    const url = this.#url(path, query)
    return { url, display: shown(url), brief: path, fromApi: true }
  }

  #headers(fromApi: boolean, json: boolean): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.#userAgent }
    h.accept = json ? 'application/json' : '*/*'
    if (fromApi) h.authorization = `Bearer ${this.#apiKey}`
    return h
  }

  async #withRetries(method: string, attempt: () => Promise<RawResponse>): Promise<RawResponse> {
    for (let n = 1; ; n++) {
      let res: RawResponse
      try {
        res = await attempt()
      } catch (err) {
        // A request that never got past the proxy is safe to resend, a create included.
        if (!(err instanceof DevinNetworkError)) throw err
        if (!isIdempotentMethod(method) && !err.unsent) throw err
        if (n >= this.maxAttempts) throw err
        const wait = backoffDelay(n, this.backoff)
        this.log.warning(
          `${err.message}; retrying in ${secs(wait)} (attempt ${n + 1}/${this.maxAttempts}).`
        )
        await this.sleep(wait)
        continue
      }
      if (res.status >= 200 && res.status < 300) return res
      if (!isRetryableStatus(method, res.status) || n >= this.maxAttempts)
        throw statusError(this.#apiKey, { method, path: res.display, ...res })
      const after = parseRetryAfter(res.headers['retry-after'], Date.now())
      const wait = retryWait(n, after, this.backoff)
      this.log.warning(
        `Devin API ${method} ${res.display} answered ${res.status}; retrying in ${secs(wait)} ` +
          `(attempt ${n + 1}/${this.maxAttempts}).`
      )
      await this.sleep(wait)
    }
  }

  async #followRedirects(start: URL, maxBytes: number): Promise<RawResponse> {
    let url = start
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const fromApi = url.origin === this.#origin
      const display = shown(url)
      const target = { url, display, brief: fromApi ? url.pathname : display, fromApi }
      const headers = this.#headers(fromApi, false)
      const timeoutMs = this.#downloadTimeoutMs
      const res = await this.#once('GET', target, { headers, timeoutMs, maxBytes })
      const location = res.headers.location
      if (!REDIRECT_STATUSES.has(res.status) || typeof location !== 'string') return res
      url = new URL(location, url)
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        const detail = `redirect to unsupported ${url.protocol} URL`
        throw malformedError(this.#apiKey, {
          method: 'GET',
          path: display,
          status: res.status,
          detail
        })
      }
      this.log.debug(`Download of ${display} redirected (${res.status}).`)
    }
    const detail = `more than ${MAX_REDIRECTS} redirects`
    throw malformedError(this.#apiKey, { method: 'GET', path: shown(start), status: 310, detail })
  }

  async #once(method: string, t: Target, o: AttemptOptions): Promise<RawResponse> {
    const started = Date.now()
    const pending = sendOnce(method, t.url, { ...o, dispatcher: this.#network.dispatcher })
    this.#inFlight.add(pending)
    try {
      const res = await pending
      this.log.debug(`Devin API ${method} ${t.brief} → ${res.status} (${Date.now() - started} ms)`)
      return { ...res, ...t }
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        const detail = `response body exceeds ${o.maxBytes} bytes`
        throw malformedError(this.#apiKey, { method, path: t.display, status: err.status, detail })
      }
      if (err instanceof TransportError && err.atProxy) throw this.#atProxy(method, t, err)
      const e = err as { code?: string; timedOut?: boolean }
      throw networkError(this.#apiKey, {
        method,
        path: t.display,
        err,
        aborted: e.timedOut === true,
        timeoutMs: o.timeoutMs
      })
    } finally {
      this.#inFlight.delete(pending)
    }
  }

  /**
   * The proxy's failure as its own message, which names it (`http://host:port` only). Devin never
   * saw the request: a refusal is a configuration error, anything else may pass and is resent.
   */
  #atProxy(method: string, t: Target, err: TransportError): Error {
    const msg = scrubSecret(this.#apiKey, `Devin API ${method} ${t.display} failed: ${err.message}`)
    if (err.proxyRefused) return new DevinConfigError(msg)
    const f = { method, path: t.display, code: err.code, timedOut: false, unsent: true }
    return new DevinNetworkError(msg, f)
  }
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
