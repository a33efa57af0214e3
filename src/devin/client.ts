/**
 * Client for the Devin v3 REST API. Thin I/O over one HTTP attempt (./http.ts): retries follow
 * ./retry.ts, JSON shapes are parsed by ./types.ts, and the API key is scrubbed from everything
 * this module emits.
 */
import { STATUS_CODES } from 'node:http'
import { BodyTooLargeError, sendOnce } from './http.js'
import type { Log as DevinLogger } from '../hygiene/log.js'
import {
  type DevinAttachment,
  type DevinMessage,
  type DevinSelf,
  type DevinSession,
  type Page,
  type SessionCreateRequest,
  DevinApiError,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError,
  ERROR_HINTS,
  errorDetailFromBody,
  isUnknownOutcome,
  scrubSecret,
  listItems,
  normalizeSessionId,
  parseAttachment,
  parseMessage,
  parsePage,
  parseSelf,
  parseSession
} from './types.js'
import { type BackoffOptions, isIdempotentMethod, isRetryableStatus } from './retry.js'
import { backoffDelay, parseRetryAfter, retryWait } from './retry.js'
import { errorText } from '../hygiene/scrub.js'

export {
  DevinApiError,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError,
  normalizeSessionId
}
export type * from './types.js'

export type { Log as DevinLogger } from '../hygiene/log.js'

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
}

const MAX_WAIT_MS = 60_000
const MAX_JSON_BYTES = 16 * 1024 * 1024
const MAX_REDIRECTS = 5
const MAX_PAGES = 100
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
  /** Where the answer came from, safe to show (no query string). */
  display: string
  fromApi: boolean
}

interface AttemptOptions {
  headers: Record<string, string>
  body?: string
  timeoutMs: number
  maxBytes: number
}

interface Target {
  url: URL
  display: string
  fromApi: boolean
}

const silent: DevinLogger = { debug() {}, info() {}, warning() {} }

export class DevinClient {
  readonly #apiKey: string
  readonly #base: string
  readonly #origin: string
  readonly #inFlight = new Set<Promise<unknown>>()
  readonly #timeoutMs: number
  readonly #downloadTimeoutMs: number
  readonly #maxAttempts: number
  readonly #log: DevinLogger
  readonly #sleep: (ms: number) => Promise<void>
  readonly #backoff: BackoffOptions
  readonly #userAgent: string

  constructor(opts: DevinClientOptions) {
    this.#apiKey = opts.apiKey
    this.#base = opts.apiUrl.trim().replace(/\/+$/, '')
    this.#origin = new URL(this.#base).origin
    this.#timeoutMs = opts.requestTimeoutMs ?? 30_000
    this.#downloadTimeoutMs = opts.downloadTimeoutMs ?? Math.max(this.#timeoutMs, 120_000)
    this.#maxAttempts = Math.max(1, opts.maxAttempts ?? 5)
    this.#log = opts.log ?? silent
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.#backoff = { baseMs: 1000, capMs: MAX_WAIT_MS, random: opts.random ?? Math.random }
    this.#userAgent = opts.userAgent ?? 'devin-handoff-action'
  }

  async getSelf(): Promise<DevinSelf> {
    return this.#parsed('GET', '/v3/self', await this.#json('GET', '/v3/self'), parseSelf)
  }

  async resolveOrgId(orgIdInput: string): Promise<string> {
    const given = orgIdInput.trim()
    if (given !== '') return given
    const self = await this.getSelf()
    if (self.org_id) {
      this.#log.debug(`Devin organization discovered via GET /v3/self: ${self.org_id}`)
      return self.org_id
    }
    throw new DevinConfigError(
      `The Devin API key is not tied to a single organization (GET /v3/self returned no org_id for ` +
        `principal type "${self.principal_type}"). Set the \`org-id\` input to your organization ` +
        `id (org-…); it is shown on Settings → Service Users in the Devin web app.`
    )
  }

  /**
   * Creates a session without ever blindly resending: when the POST's outcome is unknown, sessions
   * carrying `dedupeTag` are looked up first and one found is returned with `recovered: true`.
   */
  async createSession(
    orgId: string,
    body: SessionCreateRequest,
    opts: { dedupeTag: string }
  ): Promise<{ session: DevinSession; recovered: boolean }> {
    const tag = opts.dedupeTag
    const tags = body.tags ?? []
    const payload = tags.includes(tag) ? body : { ...body, tags: [...tags, tag] }
    const path = this.#orgPath(orgId, 'sessions')
    const maxSends = Math.min(3, this.#maxAttempts)
    for (let send = 1; ; send++) {
      let unknown: Error
      try {
        const value = await this.#json('POST', path, { body: payload })
        return { session: this.#parsed('POST', path, value, parseSession), recovered: false }
      } catch (err) {
        if (!isUnknownOutcome(err)) throw err
        unknown = err
      }
      this.#log.warning(
        `Creating the Devin session may or may not have worked (${unknown.message}); ` +
          `looking for a session tagged ${tag} before trying again.`
      )
      await this.#sleep(1000 + backoffDelay(send, this.#backoff))
      let found: DevinSession[]
      try {
        found = await this.findSessionsByTags(orgId, [tag])
      } catch (lookupErr) {
        throw new Error(
          scrubSecret(
            this.#apiKey,
            `${unknown.message}. Could not check whether the session was created anyway ` +
              `(${errorText(lookupErr)}), so it was not sent again; look for a Devin ` +
              `session tagged ${tag} before re-running.`
          ),
          { cause: lookupErr }
        )
      }
      if (found.length > 0) {
        const session = oldest(found)
        if (found.length > 1) this.#log.warning(`Found ${found.length} sessions tagged ${tag}.`)
        this.#log.info(`Recovered Devin session ${session.sessionId} after an unclear response.`)
        return { session, recovered: true }
      }
      if (send >= maxSends) throw unknown
      this.#log.warning(`No session tagged ${tag} exists; sending the create request again.`)
    }
  }

  async getSession(orgId: string, sessionId: string): Promise<DevinSession> {
    const path = this.#sessionPath(orgId, sessionId)
    return this.#parsed('GET', path, await this.#json('GET', path), parseSession)
  }

  async listSessions(
    orgId: string,
    q: { tags?: string[]; first?: number; after?: string }
  ): Promise<Page<DevinSession>> {
    const path = this.#orgPath(orgId, 'sessions')
    const query = new URLSearchParams()
    for (const t of q.tags ?? []) query.append('tags', t)
    if (q.first !== undefined) query.set('first', String(q.first))
    if (q.after) query.set('after', q.after)
    return this.#page('GET', path, await this.#json('GET', path, { query }), parseSession)
  }

  /** Every session carrying all `tags`; tags are re-checked here since server filtering is undocumented. */
  async findSessionsByTags(orgId: string, tags: string[]): Promise<DevinSession[]> {
    const byId = new Map<string, DevinSession>()
    const seen = new Set<string>()
    let after: string | undefined
    for (let n = 1; ; n++) {
      const page = await this.listSessions(orgId, { tags, first: 100, after })
      for (const s of page.items) {
        if (tags.every((t) => s.tags.includes(t))) byId.set(s.sessionId, s)
      }
      if (!page.hasNextPage || !page.endCursor) break
      if (seen.has(page.endCursor) || n >= MAX_PAGES) {
        this.#log.warning(`Stopped listing Devin sessions after ${n} pages (cursor loop or limit).`)
        break
      }
      seen.add(page.endCursor)
      after = page.endCursor
    }
    return [...byId.values()]
  }

  async listMessages(
    orgId: string,
    sessionId: string,
    q: { after?: string; first?: number }
  ): Promise<Page<DevinMessage>> {
    const path = this.#sessionPath(orgId, sessionId, 'messages')
    const query = new URLSearchParams()
    if (q.first !== undefined) query.set('first', String(q.first))
    if (q.after) query.set('after', q.after)
    return this.#page('GET', path, await this.#json('GET', path, { query }), parseMessage)
  }

  /** Not retried on 5xx/network errors: a resend could deliver the message twice. */
  async sendMessage(
    orgId: string,
    sessionId: string,
    message: string
  ): Promise<DevinSession | undefined> {
    const path = this.#sessionPath(orgId, sessionId, 'messages')
    return parseSession(await this.#json('POST', path, { body: { message } }))
  }

  async terminateSession(orgId: string, sessionId: string): Promise<DevinSession | undefined> {
    const path = this.#sessionPath(orgId, sessionId)
    return parseSession(await this.#json('DELETE', path))
  }

  async listAttachments(orgId: string, sessionId: string): Promise<DevinAttachment[]> {
    const path = this.#sessionPath(orgId, sessionId, 'attachments')
    const items = listItems(await this.#json('GET', path))
    if (!items) throw this.#malformed('GET', path, 200, 'expected a list of attachments')
    return items.map(parseAttachment).filter((a): a is DevinAttachment => a !== undefined)
  }

  /** Follows redirects; the bearer header goes only to the API's own origin. */
  async download(url: string, maxBytes: number): Promise<Buffer> {
    const start = new URL(url, `${this.#base}/`)
    const res = await this.#withRetries('GET', () => this.#followRedirects(start, maxBytes))
    return res.body
  }

  /** Waits for requests still in flight (fetch keeps no pool the client must close). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight])
  }

  // ---- internals ----

  #orgPath(orgId: string, ...rest: string[]): string {
    return ['/v3/organizations', orgId, ...rest].map((s, i) => (i ? enc(s) : s)).join('/')
  }

  #sessionPath(orgId: string, sessionId: string, sub?: string): string {
    const id = normalizeSessionId(sessionId)
    return this.#orgPath(orgId, 'sessions', id, ...(sub ? [sub] : []))
  }

  #target(path: string, query?: URLSearchParams): Target {
    const qs = query && [...query.keys()].length ? `?${query.toString()}` : ''
    return { url: new URL(`${this.#base}${path}${qs}`), display: path, fromApi: true }
  }

  #headers(fromApi: boolean, json: boolean): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': this.#userAgent }
    h.accept = json ? 'application/json' : '*/*'
    if (fromApi) h.authorization = `Bearer ${this.#apiKey}`
    return h
  }

  async #json(
    method: string,
    path: string,
    o: { query?: URLSearchParams; body?: unknown } = {}
  ): Promise<unknown> {
    const target = this.#target(path, o.query)
    const headers = this.#headers(true, true)
    const body = o.body === undefined ? undefined : JSON.stringify(o.body)
    if (body !== undefined) headers['content-type'] = 'application/json'
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
      throw this.#malformed(method, path, res.status, `response is not valid JSON: ${excerpt}`)
    }
  }

  #parsed<T>(
    method: string,
    path: string,
    value: unknown,
    parse: (v: unknown) => T | undefined
  ): T {
    const out = parse(value)
    if (out === undefined) throw this.#malformed(method, path, 200, 'unexpected response shape')
    return out
  }

  #page<T>(method: string, path: string, value: unknown, parse: (v: unknown) => T | undefined) {
    const page = parsePage(value, parse)
    if (!page) throw this.#malformed(method, path, 200, 'expected a list response with items')
    const { dropped, ...rest } = page
    if (dropped) this.#log.debug(`Ignored ${dropped} unreadable item(s) from ${path}.`)
    return rest
  }

  #malformed(method: string, path: string, status: number, detail: string): DevinApiError {
    const d = scrubSecret(this.#apiKey, detail)
    const msg = `Devin API ${method} ${path} returned an unusable response (${status}): ${d}`
    return new DevinMalformedResponseError(msg, { status, detail: d, method, path })
  }

  async #withRetries(method: string, attempt: () => Promise<RawResponse>): Promise<RawResponse> {
    for (let n = 1; ; n++) {
      let res: RawResponse
      try {
        res = await attempt()
      } catch (err) {
        if (!(err instanceof DevinNetworkError) || !isIdempotentMethod(method)) throw err
        if (n >= this.#maxAttempts) throw err
        const wait = backoffDelay(n, this.#backoff)
        this.#log.warning(
          `${err.message}; retrying in ${secs(wait)} (attempt ${n + 1}/${this.#maxAttempts}).`
        )
        await this.#sleep(wait)
        continue
      }
      if (res.status >= 200 && res.status < 300) return res
      if (!isRetryableStatus(method, res.status) || n >= this.#maxAttempts)
        throw this.#apiError(method, res)
      const after = parseRetryAfter(res.headers['retry-after'], Date.now())
      const wait = retryWait(n, after, this.#backoff)
      this.#log.warning(
        `Devin API ${method} ${res.display} answered ${res.status}; retrying in ${secs(wait)} ` +
          `(attempt ${n + 1}/${this.#maxAttempts}).`
      )
      await this.#sleep(wait)
    }
  }

  async #followRedirects(start: URL, maxBytes: number): Promise<RawResponse> {
    let url = start
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const fromApi = url.origin === this.#origin
      // Presigned URLs carry credentials in the query string: never show it.
      const display = fromApi ? url.pathname : `${url.origin}${url.pathname}`
      const target = { url, display, fromApi }
      const headers = this.#headers(fromApi, false)
      const timeoutMs = this.#downloadTimeoutMs
      const res = await this.#once('GET', target, { headers, timeoutMs, maxBytes })
      const location = res.headers.location
      if (!REDIRECT_STATUSES.has(res.status) || typeof location !== 'string') return res
      url = new URL(location, url)
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw this.#malformed(
          'GET',
          display,
          res.status,
          `redirect to unsupported ${url.protocol} URL`
        )
      }
      this.#log.debug(`Download of ${display} redirected (${res.status}).`)
    }
    throw this.#malformed('GET', start.pathname, 310, `more than ${MAX_REDIRECTS} redirects`)
  }

  async #once(method: string, t: Target, o: AttemptOptions): Promise<RawResponse> {
    const started = Date.now()
    const pending = sendOnce(method, t.url, o)
    this.#inFlight.add(pending)
    try {
      const res = await pending
      this.#log.debug(
        `Devin API ${method} ${t.display} → ${res.status} (${Date.now() - started} ms)`
      )
      return { ...res, ...t }
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        throw this.#malformed(
          method,
          t.display,
          err.status,
          `response body exceeds ${o.maxBytes} bytes`
        )
      }
      const e = err as { code?: string; timedOut?: boolean }
      throw this.#networkError(method, t.display, err, e.timedOut === true, o.timeoutMs)
    } finally {
      this.#inFlight.delete(pending)
    }
  }

  #networkError(method: string, path: string, err: unknown, aborted: boolean, timeoutMs: number) {
    const code = errorCode(err)
    const timedOut = aborted || /TIMEOUT/.test(code)
    const why = timedOut
      ? `timed out after ${timeoutMs} ms`
      : `network error (${code}: ${errorText(err)})`
    const msg = scrubSecret(this.#apiKey, `Devin API ${method} ${path} failed: ${why}`)
    return new DevinNetworkError(msg, { method, path, code, timedOut })
  }

  #apiError(method: string, res: RawResponse): DevinApiError {
    const detail = scrubSecret(
      this.#apiKey,
      errorDetailFromBody(scrubSecret(this.#apiKey, res.body.toString('utf8')))
    )
    const reason = STATUS_CODES[res.status] ?? 'Error'
    let msg = `Devin API ${method} ${res.display} failed: ${res.status} ${reason}`
    if (detail) msg += `: ${detail}`
    const hint = res.fromApi ? ERROR_HINTS[res.status] : undefined
    if (hint) msg += /[.!?]$/.test(msg) ? ` ${hint}` : `. ${hint}`
    return new DevinApiError(msg, { status: res.status, detail, method, path: res.display })
  }
}

function oldest(sessions: DevinSession[]): DevinSession {
  return sessions.reduce((a, b) =>
    (b.created_at ?? Infinity) < (a.created_at ?? Infinity) ? b : a
  )
}

function enc(segment: string): string {
  return encodeURIComponent(segment)
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } }
    if (typeof e.code === 'string') return e.code
    if (typeof e.cause?.code === 'string') return e.cause.code
    if (typeof e.name === 'string') return e.name
  }
  return 'UNKNOWN'
}
