/**
 * Loopback emulator of the Devin v3 organization API (see shared/reference/devin-api.md §1; the
 * pr-reviews routes of its "Additions" are in ./devin-reviews.ts, the upload in ./devin-uploads.ts).
 * Strict where the docs are clear (auth, 200 on create, `devin-` path ids, cursor pagination,
 * FastAPI 422s, problem+json errors) so client bugs show up here and not in production. Every
 * request and answer is also checked against the documented field lists (./devin-schema.ts): a
 * mismatch fails the test when the emulator closes.
 */

import { randomBytes, randomUUID } from 'node:crypto'
import { type Body, notObject, objectBody, problem, validation } from './devin-replies.ts'
import { DevinReviews } from './devin-reviews.ts'
import { asAttachment, checkAttachmentUrls, DevinUploads } from './devin-uploads.ts'
import { isReply, readMessageSend, wireMessage } from './devin-messages.ts'
import type { StoredMessage } from './devin-messages.ts'
import { devinConformance } from './devin-schema.ts'
import { HttpEmulator } from './http.ts'
import type { EmuRequest, Reply } from './http.ts'

export interface PullRequestRef {
  pr_url: string
  pr_state: string | null
}

export interface SessionResponse {
  session_id: string
  url: string
  status: string
  status_detail: string | null
  tags: string[]
  org_id: string
  created_at: number
  updated_at: number
  acus_consumed: number
  pull_requests: PullRequestRef[]
  title: string | null
  user_id: string | null
  service_user_id: string | null
  playbook_id: string | null
  parent_session_id: string | null
  child_session_ids: string[] | null
  is_archived: boolean
  structured_output: unknown
  origin: string | null
  category: string | null
  subcategory: string | null
}

export type { SessionMessage, StoredMessage } from './devin-messages.ts'

export interface StoredAttachment {
  attachment_id: string
  name: string
  source: string
  content_type: string | null
  content: Buffer
}

export interface SessionStep {
  status?: string
  /** Omitted while `status` is given: reset to null. */
  status_detail?: string | null
  acus_consumed?: number
  pull_requests?: PullRequestRef[]
  structured_output?: unknown
  title?: string | null
  is_archived?: boolean
  messages?: Array<{ message: string; source?: string }>
  attachments?: Array<{ name: string; content: string | Buffer; content_type?: string }>
}

export interface StoredSession {
  /** Always the `devin-…` form, whatever the API is told to return. */
  devinId: string
  state: SessionResponse
  createBody: Record<string, unknown>
  /** The create's `attachment_urls`; those of uploads are listed among its attachments. */
  attachmentUrls: string[]
  /** Every message, oldest first, with what its send carried (`attachmentUrls`, `asUserId`). */
  messages: StoredMessage[]
  attachments: StoredAttachment[]
  terminated: boolean
  script: SessionStep[]
  scriptIndex: number
  gets: number
  /** Every wake-up by a message, with the suspension reason it overrode. */
  resumes: Array<{ at: number; fromStatusDetail: string | null }>
}

export interface DevinEmulatorOptions {
  apiKey?: string
  orgId?: string
  selfOrgId?: string | null
  idsWithoutPrefix?: boolean
  attachmentsShape?: 'array' | 'items'
  /** Whether GET /attachments/{uuid}/{name} needs the bearer key (default true). */
  attachmentsNeedAuth?: boolean
  port?: number
  webUrl?: string
}

const now = (): number => Math.floor(Date.now() / 1000)
const hex = (bytes: number): string => randomBytes(bytes).toString('hex')
const ORG = '/v3/organizations/:org'
const SESSION = `${ORG}/sessions/:id`

export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url')
}

export function decodeCursor(cursor: string): number | undefined {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  return m ? Number(m[1]) : undefined
}

function routeRegex(pattern: string): RegExp {
  const source = pattern
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${source}$`)
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string')
}

/** Validates a `tags` body field (optional unless required); returns a 422 reply on failure. */
function checkTags(body: Body, required: boolean): Reply | undefined {
  const tags = body.tags
  if (tags === undefined || tags === null) {
    return required ? validation(['body', 'tags'], 'Field required', 'missing') : undefined
  }
  if (!isStringArray(tags))
    return validation(['body', 'tags'], 'Input should be a valid list', 'list_type')
  if (tags.length > 50) {
    const msg = `List should have at most 50 items after validation, not ${tags.length}`
    return validation(['body', 'tags'], msg, 'too_long')
  }
  return undefined
}

function pageParams(req: EmuRequest): { first: number; offset: number } | Reply {
  const rawFirst = req.search.get('first')
  const first = rawFirst === null ? 100 : Number(rawFirst)
  if (!Number.isInteger(first) || first < 1 || first > 200) {
    return validation(['query', 'first'], 'Input should be between 1 and 200', 'less_than_equal')
  }
  const after = req.search.get('after')
  const offset = after === null || after === '' ? 0 : decodeCursor(after)
  if (offset === undefined) return problem(400, 'Bad Request', 'Invalid cursor', req.path)
  return { first, offset }
}

function page<T>(items: T[], first: number, offset: number): Reply {
  const slice = items.slice(offset, offset + first)
  const hasNext = offset + first < items.length
  const json = {
    items: slice,
    end_cursor: hasNext ? encodeCursor(offset + first) : null,
    has_next_page: hasNext,
    total: items.length
  }
  return { status: 200, json }
}

export class DevinEmulator extends HttpEmulator {
  readonly apiKey: string
  readonly orgId: string
  readonly sessions = new Map<string, StoredSession>()
  /** Devin Review: connected repositories, PR heads, reviews and their scripts. */
  readonly reviews = new DevinReviews()
  /** Attachment uploads: what was stored, and the 403 and 413 switches. */
  readonly uploads = new DevinUploads()
  createCount = 0
  private readonly opts: DevinEmulatorOptions
  private readonly pendingScripts: SessionStep[][] = []
  private readonly files = new Map<string, StoredAttachment>()

  constructor(opts: DevinEmulatorOptions = {}) {
    super({ errorReply: (status, message, req) => problem(status, message, message, req.path) })
    this.opts = opts
    this.apiKey = opts.apiKey ?? 'cog_test_key'
    this.orgId = opts.orgId ?? 'org-emulator'
    this.registerRoutes()
    this.conformTo(devinConformance)
  }

  /** Steps for the next created session, or for `sessionId` (restarting its script). */
  script(steps: SessionStep[], opts: { sessionId?: string } = {}): void {
    if (opts.sessionId === undefined) {
      this.pendingScripts.push(steps)
      return
    }
    const s = this.mustGet(opts.sessionId)
    s.script = steps
    s.scriptIndex = 0
  }

  /** Forces a state at once; the session's script stops so the state sticks. */
  setSession(id: string, partial: SessionStep): StoredSession {
    const s = this.mustGet(id)
    this.apply(s, partial)
    s.script = []
    s.scriptIndex = 0
    return s
  }

  /** The wire form of a stored session, as GET would return it (without advancing). */
  view(s: StoredSession): SessionResponse {
    const id = this.opts.idsWithoutPrefix ? s.devinId.slice('devin-'.length) : s.devinId
    return { ...s.state, session_id: id }
  }

  private mustGet(id: string): StoredSession {
    const s = this.sessions.get(id.startsWith('devin-') ? id : `devin-${id}`)
    if (s === undefined) throw new Error(`no such session: ${id}`)
    return s
  }

  private apply(s: StoredSession, step: SessionStep): void {
    const st = s.state
    if (step.status !== undefined) {
      st.status = step.status
      st.status_detail = step.status_detail ?? null
    } else if (step.status_detail !== undefined) st.status_detail = step.status_detail
    if (step.acus_consumed !== undefined) st.acus_consumed = step.acus_consumed
    if (step.pull_requests !== undefined) st.pull_requests = step.pull_requests
    if (step.structured_output !== undefined) st.structured_output = step.structured_output
    if (step.title !== undefined) st.title = step.title
    if (step.is_archived !== undefined) st.is_archived = step.is_archived
    for (const m of step.messages ?? []) this.addMessage(s, m.message, m.source ?? 'devin')
    for (const a of step.attachments ?? []) {
      const att: StoredAttachment = {
        attachment_id: randomUUID(),
        name: a.name,
        source: 'devin',
        content_type: a.content_type ?? null,
        content: typeof a.content === 'string' ? Buffer.from(a.content) : a.content
      }
      s.attachments.push(att)
      this.files.set(att.attachment_id, att)
    }
    st.updated_at = now()
  }

  private addMessage(
    s: StoredSession,
    message: string,
    source: string,
    extra: Pick<StoredMessage, 'attachmentUrls' | 'asUserId'> = {}
  ): void {
    s.messages.push({ event_id: `evt-${hex(12)}`, created_at: now(), message, source, ...extra })
  }

  /** Uploads named by `urls` join the session's attachments, as the user's (§1.9). */
  private attachUploads(s: StoredSession, urls: string[]): void {
    for (const url of urls) {
      const file = this.uploads.byUrl(url)
      if (file !== undefined) s.attachments.push(asAttachment(file))
    }
  }

  private authorized(req: EmuRequest): boolean {
    const h = req.headers.authorization
    const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h) : null
    return m !== null && m[1] === this.apiKey
  }

  private denied(req: EmuRequest): Reply | undefined {
    if (!this.authorized(req)) {
      return problem(401, 'Unauthorized', 'Invalid or missing API key', req.path)
    }
    if (req.params.org !== this.orgId) {
      return problem(403, 'Forbidden', `No access to organization ${req.params.org}`, req.path)
    }
    return undefined
  }

  /** Org-scoped endpoint: auth and org checks first. */
  private inOrg(handler: (req: EmuRequest) => Reply) {
    return (req: EmuRequest): Reply => this.denied(req) ?? handler(req)
  }

  /** Session endpoint: the path id must carry the `devin-` prefix, as the real API requires. */
  private inSession(handler: (req: EmuRequest, s: StoredSession) => Reply) {
    return (req: EmuRequest): Reply => {
      const denied = this.denied(req)
      if (denied) return denied
      const id = req.params.id ?? ''
      const s = id.startsWith('devin-') ? this.sessions.get(id) : undefined
      // A session of another organization is not found in this one (it is not a 403).
      if (s === undefined || s.state.org_id !== req.params.org) {
        return problem(404, 'Not Found', `Session ${id} not found`, req.path)
      }
      return handler(req, s)
    }
  }

  private ok(s: StoredSession): Reply {
    return { status: 200, json: this.view(s) }
  }

  private create(req: EmuRequest): Reply {
    const b = objectBody(req.json)
    if (b === undefined) return notObject()
    if (b.prompt === undefined) return validation(['body', 'prompt'], 'Field required', 'missing')
    if (typeof b.prompt !== 'string') {
      return validation(['body', 'prompt'], 'Input should be a valid string', 'string_type')
    }
    const bad = checkTags(b, false) ?? checkAttachmentUrls(b)
    if (bad) return bad
    const script = this.pendingScripts.shift() ?? [{ status: 'running', status_detail: 'working' }]
    const s = this.store(b, script)
    this.createCount += 1
    return this.ok(s)
  }

  /**
   * A session as if an earlier run had created it (`prompt` and `tags` as a create takes them),
   * without a request in the log or a count in `createCount`. Its script starts empty: it stays
   * as it is until told otherwise.
   */
  seedSession(body: { prompt: string; tags: string[] }, state: SessionStep = {}): string {
    const s = this.store(body, [])
    this.apply(s, { status: 'running', status_detail: 'working', ...state })
    return s.devinId
  }

  /**
   * Many sessions at once, as earlier runs would have left them (see {@link seedSession}): one
   * per spec, in order, so the last one is listed first. A thousand take milliseconds.
   */
  seedSessions(
    specs: Iterable<{ tags: string[]; prompt?: string; state?: SessionStep }>
  ): string[] {
    const ids: string[] = []
    for (const spec of specs) {
      ids.push(this.seedSession({ prompt: spec.prompt ?? 'earlier', tags: spec.tags }, spec.state))
    }
    return ids
  }

  /**
   * A session Devin started for a person (from its web app, Slack, or its GitHub App), not one the
   * action created: no tags, a user's, `origin` webapp unless told. GET finds it by id like any
   * other; a tag-filtered list never does. `orgId`: a session of another organization, which this
   * one's endpoints answer 404 for (and lists never show).
   */
  seedOwnSession(
    o: {
      prompt?: string
      state?: SessionStep
      origin?: string
      orgId?: string
    } = {}
  ): string {
    const s = this.store({ prompt: o.prompt ?? 'Fix the flaky date tests', tags: [] }, [])
    Object.assign(s.state, {
      origin: o.origin ?? 'webapp',
      user_id: 'user-emulator',
      service_user_id: null,
      org_id: o.orgId ?? this.orgId
    })
    this.apply(s, { status: 'running', status_detail: 'working', ...o.state })
    return s.devinId
  }

  /** The web app's link to a session (what Devin writes into the PRs it opens). */
  sessionUrl(id: string): string {
    return this.mustGet(id).state.url
  }

  /**
   * Requests received, by route (`GET /v3/organizations/:org/sessions`), so a test or bench can
   * hold a budget per kind of call. Requests no route serves count under `METHOD path`. `from`:
   * the index in `requests` to count from (what arrived since an earlier look).
   */
  requestCounts(from = 0): Record<string, number> {
    const routes = this.routeList().map((r) => ({
      name: `${r.method} ${r.pattern}`,
      ...r,
      re: routeRegex(r.pattern)
    }))
    const out: Record<string, number> = {}
    for (const req of this.requests.slice(from)) {
      const hit = routes.find((r) => r.method === req.method && r.re.test(req.path))
      const name = hit?.name ?? `${req.method} ${req.path}`
      out[name] = (out[name] ?? 0) + 1
    }
    return out
  }

  private store(b: Body, script: SessionStep[]): StoredSession {
    const devinId = `devin-${hex(16)}`
    const t = now()
    const s: StoredSession = {
      devinId,
      state: {
        session_id: devinId,
        url: `${this.opts.webUrl ?? 'https://app.devin.ai'}/sessions/${devinId}`,
        status: 'new',
        status_detail: null,
        tags: [...new Set((b.tags as string[] | undefined) ?? [])],
        org_id: this.orgId,
        created_at: t,
        updated_at: t,
        acus_consumed: 0,
        pull_requests: [],
        title: typeof b.title === 'string' ? b.title : null,
        user_id: null,
        service_user_id: 'service-user-emulator',
        playbook_id: typeof b.playbook_id === 'string' ? b.playbook_id : null,
        parent_session_id: null,
        child_session_ids: null,
        is_archived: false,
        structured_output: null,
        origin: 'api',
        category: null,
        subcategory: null
      },
      createBody: b,
      attachmentUrls: (b.attachment_urls as string[] | null | undefined) ?? [],
      messages: [],
      attachments: [],
      terminated: false,
      script,
      scriptIndex: 0,
      gets: 0,
      resumes: []
    }
    const urls = s.attachmentUrls.length > 0 ? { attachmentUrls: [...s.attachmentUrls] } : {}
    this.addMessage(s, String(b.prompt), 'user', urls)
    this.attachUploads(s, s.attachmentUrls)
    this.sessions.set(devinId, s)
    return s
  }

  private list(req: EmuRequest): Reply {
    const p = pageParams(req)
    if ('status' in p) return p
    const tags = [...req.search.getAll('tags'), ...req.search.getAll('tags[]')]
    const ids = [...req.search.getAll('session_ids'), ...req.search.getAll('session_ids[]')]
    const archived = req.search.get('is_archived')
    if (archived !== null && archived !== 'true' && archived !== 'false') {
      return validation(['query', 'is_archived'], 'Input should be a valid boolean', 'bool_parsing')
    }
    // Newest first, like the web app's session list.
    const items = [...this.sessions.values()]
      .reverse()
      .filter((s) => s.state.org_id === this.orgId)
      .filter((s) => tags.every((t) => s.state.tags.includes(t)))
      .filter((s) => ids.length === 0 || ids.includes(s.devinId))
      .filter((s) => archived === null || String(s.state.is_archived) === archived)
      .map((s) => this.view(s))
    return page(items, p.first, p.offset)
  }

  private get(s: StoredSession): Reply {
    s.gets += 1
    const step = s.script[s.scriptIndex]
    if (step !== undefined && !s.terminated) {
      this.apply(s, step)
      s.scriptIndex += 1
    }
    return this.ok(s)
  }

  private sendMessage(req: EmuRequest, s: StoredSession): Reply {
    const send = readMessageSend(req.json)
    if (isReply(send)) return send
    if (s.terminated || s.state.status === 'exit') {
      return problem(400, 'Bad Request', 'Session has ended and cannot be continued', req.path)
    }
    if (s.state.is_archived) {
      return problem(400, 'Bad Request', 'Archived sessions cannot be continued', req.path)
    }
    const { message, ...extra } = send
    this.addMessage(s, message, 'user', extra)
    this.attachUploads(s, send.attachmentUrls ?? [])
    // Docs: "The session will automatically resume if suspended" — billing reasons included.
    if (s.state.status === 'suspended') {
      s.resumes.push({ at: Date.now(), fromStatusDetail: s.state.status_detail })
      this.apply(s, { status: 'running', status_detail: 'working' })
    } else if (s.state.status === 'running' && s.state.status_detail === 'waiting_for_user') {
      // The user answered: Devin takes the question as settled and works on.
      this.apply(s, { status_detail: 'working' })
    }
    s.state.updated_at = now()
    return this.ok(s)
  }

  private terminate(req: EmuRequest, s: StoredSession): Reply {
    if (s.terminated || s.state.status === 'exit') {
      return problem(409, 'Conflict', 'Session has already been terminated', req.path)
    }
    s.terminated = true
    s.script = []
    this.apply(s, {
      status: 'exit',
      is_archived: req.search.get('archive') === 'true' || undefined
    })
    return this.ok(s)
  }

  private archive(s: StoredSession): Reply {
    // "Archive session and put it to sleep if currently running".
    const asleep =
      s.state.status === 'running' ? { status: 'suspended', status_detail: 'user_request' } : {}
    this.apply(s, { ...asleep, is_archived: true })
    s.script = []
    return this.ok(s)
  }

  private tags(req: EmuRequest, s: StoredSession): Reply {
    if (req.method === 'GET') return { status: 200, json: { tags: s.state.tags } }
    const body = objectBody(req.json)
    if (body === undefined) return notObject()
    const bad = checkTags(body, true)
    if (bad) return bad
    const given = body.tags as string[]
    const next = req.method === 'PUT' ? given : [...s.state.tags, ...given]
    s.state.tags = [...new Set(next)]
    s.state.updated_at = now()
    return { status: 200, json: { tags: s.state.tags } }
  }

  private fileUrl(id: string, name: string): string {
    return `${this.url}/attachments/${id}/${encodeURIComponent(name)}`
  }

  private attachments(s: StoredSession): Reply {
    const items = s.attachments.map((a) => ({
      attachment_id: a.attachment_id,
      name: a.name,
      source: a.source,
      url: this.fileUrl(a.attachment_id, a.name),
      content_type: a.content_type
    }))
    return { status: 200, json: this.opts.attachmentsShape === 'items' ? { items } : items }
  }

  private registerRoutes(): void {
    this.route('GET', '/v3/self', (req) => {
      if (!this.authorized(req))
        return problem(401, 'Unauthorized', 'Invalid or missing API key', req.path)
      const json = {
        principal_type: 'service_user',
        service_user_id: 'service-user-emulator',
        service_user_name: 'Emulator CI Bot',
        org_id: this.opts.selfOrgId === undefined ? this.orgId : this.opts.selfOrgId
      }
      return { status: 200, json }
    })
    this.route(
      'POST',
      `${ORG}/sessions`,
      this.inOrg((req) => this.create(req))
    )
    this.route(
      'GET',
      `${ORG}/sessions`,
      this.inOrg((req) => this.list(req))
    )
    this.route(
      'GET',
      SESSION,
      this.inSession((_req, s) => this.get(s))
    )
    this.route(
      'DELETE',
      SESSION,
      this.inSession((req, s) => this.terminate(req, s))
    )
    this.route(
      'POST',
      `${SESSION}/archive`,
      this.inSession((_req, s) => this.archive(s))
    )
    this.route(
      'POST',
      `${SESSION}/messages`,
      this.inSession((req, s) => this.sendMessage(req, s))
    )
    this.route(
      'GET',
      `${SESSION}/messages`,
      this.inSession((req, s) => {
        const p = pageParams(req)
        return 'status' in p ? p : page(s.messages.map(wireMessage), p.first, p.offset)
      })
    )
    for (const method of ['GET', 'POST', 'PUT']) {
      this.route(
        method,
        `${SESSION}/tags`,
        this.inSession((req, s) => this.tags(req, s))
      )
    }
    this.route(
      'GET',
      `${SESSION}/attachments`,
      this.inSession((_req, s) => this.attachments(s))
    )
    this.route(
      'POST',
      `${ORG}/attachments`,
      this.inOrg((req) =>
        this.uploads.upload(
          req,
          (id, name) => this.fileUrl(id, name),
          (f) => this.files.set(f.attachment_id, asAttachment(f))
        )
      )
    )
    this.route(
      'POST',
      `${ORG}/pr-reviews`,
      this.inOrg((req) => this.reviews.create(req))
    )
    this.route(
      'GET',
      `${ORG}/pr-reviews`,
      this.inOrg((req) => this.reviews.get(req))
    )
    this.route('GET', '/attachments/:uuid/:name', (req) => {
      if (this.opts.attachmentsNeedAuth !== false && !this.authorized(req)) {
        return problem(401, 'Unauthorized', 'Invalid or missing API key', req.path)
      }
      const file = this.files.get(req.params.uuid ?? '')
      if (file === undefined || file.name !== req.params.name) {
        return problem(404, 'Not Found', 'Attachment not found', req.path)
      }
      return { status: 307, headers: { location: `${this.url}/files/${file.attachment_id}` } }
    })
    this.route('GET', '/files/:uuid', (req) => {
      const file = this.files.get(req.params.uuid ?? '')
      if (file === undefined) return { status: 404, body: 'NoSuchKey' }
      const type = file.content_type ?? 'application/octet-stream'
      return { status: 200, headers: { 'content-type': type }, body: file.content }
    })
  }
}

export async function startDevinEmulator(opts: DevinEmulatorOptions = {}): Promise<DevinEmulator> {
  const emu = new DevinEmulator(opts)
  await emu.listen(opts.port)
  return emu
}
