/**
 * Client for the Devin v3 REST API: one method per call the action makes. HTTP, retries and
 * errors are the transport's (./transport.ts); JSON shapes are parsed by ./types.ts.
 */
import { Blob } from 'node:buffer'
import { FormData } from 'undici'
import type { ForDevin } from '../egress/devin.js'
import {
  type AttachmentFile,
  type DevinAttachment,
  type DevinMessage,
  type DevinSelf,
  type DevinSession,
  type Page,
  type PrReview,
  type SessionCreateRequest,
  type UploadedAttachment,
  isObject,
  listItems,
  normalizeSessionId,
  parseAttachment,
  parseMessage,
  parsePage,
  parsePrReview,
  parseSelf,
  parseSession,
  parseUploadedAttachment
} from './types.js'
import { createOnce } from './create-once.js'
import { DevinTransport, type DevinClientOptions } from './transport.js'
import {
  DevinApiError,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError,
  isUnknownOutcome
} from './errors.js'
import { backoffDelay } from './retry.js'

export {
  DevinApiError,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError,
  normalizeSessionId
}
export type * from './types.js'

export type { Log as DevinLogger } from '../hygiene/log.js'

export type { DevinClientOptions } from './transport.js'

const MAX_PAGES = 100
/** The tag endpoints take at most this many (devin-api.md §1.11). */
export const MAX_TAGS = 50
/** Messages are listed oldest first with no order parameter: the last one costs every page. */
const MESSAGE_PAGE = 200
const MAX_MESSAGE_PAGES = 5

export class DevinClient {
  readonly #http: DevinTransport

  constructor(opts: DevinClientOptions) {
    this.#http = new DevinTransport(opts)
  }

  async getSelf(): Promise<DevinSelf> {
    return this.#parsed('GET', '/v3/self', await this.#http.json('GET', '/v3/self'), parseSelf)
  }

  async resolveOrgId(orgIdInput: string): Promise<string> {
    const given = orgIdInput.trim()
    if (given !== '') return given
    const self = await this.getSelf()
    if (self.org_id) {
      this.#http.log.debug(`Devin organization discovered via GET /v3/self: ${self.org_id}`)
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
   * Once `signal` is aborted (the workflow is being cancelled) it is not sent again.
   */
  async createSession(
    orgId: string,
    body: ForDevin<SessionCreateRequest>,
    opts: { dedupeTag: string; signal?: AbortSignal }
  ): Promise<{ session: DevinSession; recovered: boolean }> {
    const tag = opts.dedupeTag
    const tags = body.tags ?? []
    const payload = tags.includes(tag) ? body : { ...body, tags: [...tags, tag] }
    const path = this.#orgPath(orgId, 'sessions')
    const out = await createOnce<DevinSession>(this.#http, {
      noun: 'session',
      sought: `session tagged ${tag}`,
      checkFirst: `look for a Devin session tagged ${tag}`,
      signal: opts.signal,
      send: () => this.#post(path, payload, parseSession),
      find: async () => {
        const found = await this.findSessionsByTags(orgId, [tag])
        if (found.length > 1)
          this.#http.log.warning(`Found ${found.length} sessions tagged ${tag}.`)
        return found.length > 0 ? oldest(found) : undefined
      },
      name: (s) => `Devin session ${s.sessionId}`
    })
    return { session: out.value, recovered: out.recovered }
  }

  /**
   * The latest Devin Review of `commitSha` (full or a prefix; the PR's head when omitted), or
   * undefined when there is none: the API answers 404 for "no review of this commit".
   */
  async getReview(orgId: string, prUrl: string, commitSha?: string): Promise<PrReview | undefined> {
    const path = this.#orgPath(orgId, 'pr-reviews')
    const query = new URLSearchParams({ pr_url: prUrl })
    if (commitSha !== undefined && commitSha !== '') query.set('commit_sha', commitSha)
    let value: unknown
    try {
      value = await this.#http.json('GET', path, { query })
    } catch (err) {
      if (err instanceof DevinApiError && err.status === 404) return undefined
      throw err
    }
    return this.#parsed('GET', path, value, parsePrReview)
  }

  /**
   * Asks Devin Review to review the PR's head commit, never resending blindly: a second review
   * of the same commit is paid twice. When the POST's outcome is unknown the PR's review is
   * looked up first; one that is not `known` (the review the caller saw before sending, e.g. an
   * errored one) is taken as this request's, with `recovered: true`.
   */
  async createReview(
    orgId: string,
    body: ForDevin<{ pr_url: string }>,
    opts: { known?: PrReview; signal?: AbortSignal } = {}
  ): Promise<{ review: PrReview; recovered: boolean }> {
    const path = this.#orgPath(orgId, 'pr-reviews')
    const prUrl = body.pr_url
    const out = await createOnce<PrReview>(this.#http, {
      noun: 'review',
      sought: `new review of ${prUrl}`,
      checkFirst: `check ${prUrl} for a Devin Review of its head commit`,
      signal: opts.signal,
      send: () => this.#post(path, body, parsePrReview),
      find: async () => {
        const found = await this.getReview(orgId, prUrl)
        return found && !sameReview(found, opts.known) ? found : undefined
      },
      name: (r) => `Devin Review of ${r.commit_sha}`
    })
    return { review: out.value, recovered: out.recovered }
  }

  async getSession(orgId: string, sessionId: string): Promise<DevinSession> {
    const path = this.#sessionPath(orgId, sessionId)
    return this.#parsed('GET', path, await this.#http.json('GET', path), parseSession)
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
    return this.#page('GET', path, await this.#http.json('GET', path, { query }), parseSession)
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
        this.#http.log.warning(
          `Stopped listing Devin sessions after ${n} pages (cursor loop or limit).`
        )
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
    return this.#page('GET', path, await this.#http.json('GET', path, { query }), parseMessage)
  }

  /**
   * The text of the last message Devin (any source but `user`) wrote, or undefined if none. The
   * API lists messages oldest first with no way to ask for the newest, so pages are read from the
   * start; past {@link MAX_MESSAGE_PAGES} pages of 200 (a session of over 1,000 messages) the last
   * one read is taken, since it is the newest known and reading on would cost a request per page.
   */
  async lastDevinMessage(orgId: string, sessionId: string): Promise<string | undefined> {
    let last: string | undefined
    let after: string | undefined
    for (let n = 1; ; n++) {
      const page = await this.listMessages(orgId, sessionId, { first: MESSAGE_PAGE, after })
      for (const m of page.items) if (m.source !== 'user' && m.message !== '') last = m.message
      if (!page.hasNextPage || !page.endCursor || page.endCursor === after) return last
      if (n >= MAX_MESSAGE_PAGES) {
        this.#http.log.debug(
          `Read the first ${n} pages of messages of ${sessionId}; the last Devin message there is shown.`
        )
        return last
      }
      after = page.endCursor
    }
  }

  /**
   * Replaces the session's tags. A PUT sets the same list however often it lands, so it is
   * retried like a read. More than {@link MAX_TAGS} is refused here, before anything is sent.
   */
  async replaceTags(orgId: string, sessionId: string, tags: ForDevin<string[]>): Promise<string[]> {
    const path = this.#sessionPath(orgId, sessionId, 'tags')
    if (tags.length > MAX_TAGS)
      throw new DevinConfigError(
        `Devin takes at most ${MAX_TAGS} tags per session; ${sessionId} would have ${tags.length}.`
      )
    const value = await this.#http.json('PUT', path, { body: { tags } })
    return this.#parsed('PUT', path, value, parseTags)
  }

  /**
   * Not retried on 5xx/network errors (a resend could deliver the message twice), only when it
   * never got past the proxy. Requests take only what went through the egress gate's screen
   * (`ForDevin`).
   */
  async sendMessage(
    orgId: string,
    sessionId: string,
    message: ForDevin<string>,
    opts: { attachmentUrls?: string[] } = {}
  ): Promise<DevinSession | undefined> {
    const path = this.#sessionPath(orgId, sessionId, 'messages')
    // Files (CI logs) ride on the message as the URLs their uploads returned (§1.8).
    const urls = opts.attachmentUrls ?? []
    const body = urls.length > 0 ? { message, attachment_urls: urls } : { message }
    return parseSession(await this.#http.json('POST', path, { body }))
  }

  async terminateSession(orgId: string, sessionId: string): Promise<DevinSession | undefined> {
    const path = this.#sessionPath(orgId, sessionId)
    return parseSession(await this.#http.json('DELETE', path))
  }

  async listAttachments(orgId: string, sessionId: string): Promise<DevinAttachment[]> {
    const path = this.#sessionPath(orgId, sessionId, 'attachments')
    const items = listItems(await this.#http.json('GET', path))
    if (!items)
      throw this.#http.malformed({
        method: 'GET',
        path,
        status: 200,
        detail: 'expected a list of attachments'
      })
    return items.map(parseAttachment).filter((a): a is DevinAttachment => a !== undefined)
  }

  /**
   * Uploads a text file for `attachment_urls` (§1.9), as multipart/form-data field `file`. An
   * upload is not billed, and a duplicate is harmless but wasteful: one whose outcome is unknown
   * (a 5xx, a dropped answer) is sent once more, not again after that, and not at all once
   * `signal` is aborted. Like every POST it is resent on a 429 or when it never left the proxy.
   */
  async uploadAttachment(
    orgId: string,
    file: ForDevin<AttachmentFile>,
    opts: { signal?: AbortSignal } = {}
  ): Promise<UploadedAttachment> {
    if (file.name.trim() === '')
      throw new DevinConfigError('A file uploaded to Devin needs a name; this one has none.')
    const path = this.#orgPath(orgId, 'attachments')
    const form = new FormData()
    form.set('file', new Blob([file.content], { type: 'text/plain; charset=utf-8' }), file.name)
    const send = async () =>
      this.#parsed(
        'POST',
        path,
        await this.#http.json('POST', path, { form }),
        parseUploadedAttachment
      )
    try {
      return await send()
    } catch (err) {
      if (!isUnknownOutcome(err) || opts.signal?.aborted) throw err
      this.#http.log.warning(
        `Uploading ${JSON.stringify(file.name)} to Devin may or may not have worked ` +
          `(${err.message}); uploading it once more.`
      )
      await this.#http.sleep(1000 + backoffDelay(1, this.#http.backoff))
      return await send()
    }
  }

  /** Follows redirects; the bearer header goes only to the API's own origin. */
  async download(url: string, maxBytes: number): Promise<Buffer> {
    return this.#http.download(url, maxBytes)
  }

  /** Waits for requests still in flight; the shared dispatcher stays open (../net/dispatcher.ts). */
  async close(): Promise<void> {
    await this.#http.close()
  }

  // ---- internals ----

  #orgPath(orgId: string, ...rest: string[]): string {
    return ['/v3/organizations', orgId, ...rest].map((s, i) => (i ? enc(s) : s)).join('/')
  }

  #sessionPath(orgId: string, sessionId: string, sub?: string): string {
    const id = normalizeSessionId(sessionId)
    return this.#orgPath(orgId, 'sessions', id, ...(sub ? [sub] : []))
  }

  async #post<T>(path: string, body: unknown, parse: (v: unknown) => T | undefined): Promise<T> {
    return this.#parsed('POST', path, await this.#http.json('POST', path, { body }), parse)
  }

  #parsed<T>(
    method: string,
    path: string,
    value: unknown,
    parse: (v: unknown) => T | undefined
  ): T {
    const out = parse(value)
    if (out === undefined)
      throw this.#http.malformed({
        method,
        path,
        status: 200,
        detail: 'unexpected response shape'
      })
    return out
  }

  #page<T>(method: string, path: string, value: unknown, parse: (v: unknown) => T | undefined) {
    const page = parsePage(value, parse)
    if (!page)
      throw this.#http.malformed({
        method,
        path,
        status: 200,
        detail: 'expected a list response with items'
      })
    const { dropped, ...rest } = page
    if (dropped) this.#http.log.debug(`Ignored ${dropped} unreadable item(s) from ${path}.`)
    return rest
  }
}

function parseTags(value: unknown): string[] | undefined {
  if (!isObject(value) || !Array.isArray(value.tags)) return undefined
  return value.tags.filter((t): t is string => typeof t === 'string')
}

/** Devin has no review id: a review is its commit and the moment it was accepted. */
function sameReview(a: PrReview, b: PrReview | undefined): boolean {
  return b !== undefined && a.created_at === b.created_at && a.commit_sha === b.commit_sha
}

function oldest(sessions: DevinSession[]): DevinSession {
  return sessions.reduce((a, b) =>
    (b.created_at ?? Infinity) < (a.created_at ?? Infinity) ? b : a
  )
}

function enc(segment: string): string {
  return encodeURIComponent(segment)
}
