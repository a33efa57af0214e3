/**
 * One scripted Devin client for the session tests (route, follow-up, start, budgets): it answers
 * from the sessions it was given, lists them by tag as the real client does (every tag asked
 * must be on the session), and records every call in order.
 */
import { DevinApiError } from '../../src/devin/errors.ts'
import {
  parseSession,
  type DevinSession,
  type SessionCreateRequest,
  type UploadedAttachment
} from '../../src/devin/types.ts'

export function session(id: string, over: Record<string, unknown> = {}): DevinSession {
  const s = parseSession({ session_id: id, status: 'running', status_detail: 'working', ...over })
  if (!s) throw new Error('bad fixture')
  return s
}

export const apiError = (status: number, method = 'POST'): DevinApiError =>
  new DevinApiError(`Devin API ${method} failed: ${status}`, {
    status,
    detail: '',
    method,
    path: '/v3/organizations/org-1/sessions/x/messages'
  })

export class FakeDevin {
  /** `find <tags>`, `get <id>`, `send <id>`, `tags <id>`, `upload <name>`, `create`, `terminate <id>`. */
  calls: string[] = []
  /** What the list by tag searches. */
  sessions: DevinSession[] = []
  foundTags: string[][] = []
  sent: Array<{ orgId: string; sessionId: string; message: string; attachmentUrls?: string[] }> = []
  created: Array<{ orgId: string; body: SessionCreateRequest; dedupeTag: string }> = []
  tagged: Array<{ sessionId: string; tags: string[] }> = []
  uploads: string[] = []

  /** What sendMessage does: answer with a session, with nothing, or fail. */
  onSend: (id: string) => DevinSession | undefined = (id) => session(id, { status: 'running' })
  /** What getSession answers (or throws: a 404 for a session this organization lacks). */
  onGet: (id: string) => DevinSession = (id) => session(id, { status: 'resuming' })
  /** What replaceTags does before answering with the tags it was given. */
  onTags: () => void = () => undefined
  /** What createSession does before answering (a test may hold it). */
  onCreate: () => Promise<void> = async () => undefined

  async findSessionsByTags(_orgId: string, tags: string[]): Promise<DevinSession[]> {
    this.calls.push(`find ${tags.join(',')}`)
    this.foundTags.push(tags)
    return this.sessions.filter((s) => tags.every((t) => s.tags.includes(t)))
  }

  async getSession(_orgId: string, sessionId: string): Promise<DevinSession> {
    this.calls.push(`get ${sessionId}`)
    return this.onGet(sessionId)
  }

  async sendMessage(
    orgId: string,
    sessionId: string,
    message: string,
    opts: { attachmentUrls?: string[] } = {}
  ): Promise<DevinSession | undefined> {
    this.calls.push(`send ${sessionId}`)
    const urls = opts.attachmentUrls
    this.sent.push({ orgId, sessionId, message, ...(urls ? { attachmentUrls: urls } : {}) })
    return this.onSend(sessionId)
  }

  async replaceTags(_orgId: string, sessionId: string, tags: string[]): Promise<string[]> {
    this.calls.push(`tags ${sessionId}`)
    this.onTags()
    this.tagged.push({ sessionId, tags: [...tags] })
    return [...tags]
  }

  async uploadAttachment(_orgId: string, file: { name: string }): Promise<UploadedAttachment> {
    this.calls.push(`upload ${file.name}`)
    this.uploads.push(file.name)
    const url = `https://uploads.devin.example/${file.name}`
    return { attachment_id: `att-${this.uploads.length}`, name: file.name, url }
  }

  async terminateSession(_orgId: string, sessionId: string): Promise<DevinSession | undefined> {
    this.calls.push(`terminate ${sessionId}`)
    return undefined
  }

  async createSession(
    orgId: string,
    body: SessionCreateRequest,
    opts: { dedupeTag: string }
  ): Promise<{ session: DevinSession; recovered: boolean }> {
    this.calls.push('create')
    await this.onCreate()
    this.created.push({ orgId, body, dedupeTag: opts.dedupeTag })
    return { session: session('devin-new', { status: 'new' }), recovered: false }
  }
}
