/**
 * What the sync tests and the sync bench stand on: an in-memory GitHub that implements the calls
 * sync makes (and refuses edits the way GitHub does: another author's comment is not the token's
 * to edit), a stand-in renderer whose comment keeps its report in a hidden state line, and a way
 * to lay out a repository's sessions in the Devin emulator with their comments and check runs.
 */
import type { CommentBody } from '../../../src/egress/comment.ts'
import { markerFor, withMarker } from '../../../src/github/sticky-comment.ts'
import type { IssueComment } from '../../../src/github/types.ts'
import type { Report } from '../../../src/state/run-state.ts'
import { liveTag, shownKey, type Showable } from '../../../src/state/tracking.ts'
import type { CheckUpdate, RenderedCheck, SyncGitHub, SyncRender } from '../../../src/sync/ports.ts'
import type { DevinEmulator, SessionStep } from '../../emulators/devin.ts'

/** The default `GITHUB_TOKEN` writes as this App bot; `GET /user` is closed to it. */
export const ACTIONS_BOT = 'github-actions[bot]'

export interface StoredComment extends IssueComment {
  issue: number
}

export interface StoredCheck {
  id: number
  status: string
  conclusion?: string
  output?: { title: string; summary: string }
}

export interface FakeState {
  comments: StoredComment[]
  checks: StoredCheck[]
  calls: Array<{ op: Op; id?: number }>
  next: number
}

type Op =
  'whoAmI' | 'getComment' | 'listComments' | 'listRepoComments' | 'updateComment' | 'updateCheckRun'
const WRITES: ReadonlySet<Op> = new Set(['updateComment', 'updateCheckRun'])

export function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, name: 'HttpError' })
}

/** An author as GitHub names it: an App's bot, or a person. */
export function author(login: string): Pick<IssueComment, 'user' | 'performed_via_github_app'> {
  const bot = /\[bot\]$/.test(login)
  return {
    user: { login, type: bot ? 'Bot' : 'User' },
    performed_via_github_app: bot ? { slug: login.replace(/\[bot\]$/, '') } : null
  }
}

export class GitHubFake implements SyncGitHub {
  readonly comments = new Map<number, StoredComment>()
  readonly checks = new Map<number, StoredCheck>()
  readonly calls: Array<{ op: Op; id?: number }> = []
  /** Answers for the next matching calls, instead of acting. */
  readonly failures: Array<{ op: Op; id?: number; error: Error }> = []
  #next = 1000
  /** What each repository comment list asked for. */
  readonly repoLists: Array<{ since: string; perPage?: number }> = []
  /** Comment reads in flight now, and at most so far. */
  inFlight = 0
  maxInFlight = 0
  /** When set, comment reads wait until this many are in flight (then all go on). */
  gate?: { at: number; open?: () => void; opened?: Promise<void> }

  /**
   * `login`: what `whoAmI` answers (a personal token's login), or undefined for an installation
   * token. `as`: who the token writes as, which decides what it may edit.
   */
  readonly o: { login?: string; as: string }

  // No parameter property: the bench loads this file with Node's type stripping.
  constructor(o: { login?: string; as: string } = { as: ACTIONS_BOT }) {
    this.o = o
  }

  addComment(issue: number, body: string, by = this.o.as): StoredComment {
    const id = this.#next++
    const at = new Date(Date.UTC(2026, 0, 1, 0, 0, id % 60)).toISOString()
    const c: StoredComment = {
      id,
      issue,
      body,
      html_url: `https://github.com/o/r/pull/${issue}#issuecomment-${id}`,
      created_at: at,
      updated_at: at,
      ...author(by)
    }
    this.comments.set(id, c)
    return c
  }

  addCheck(status = 'in_progress'): StoredCheck {
    const c: StoredCheck = { id: this.#next++, status }
    this.checks.set(c.id, c)
    return c
  }

  /** Everything it holds, as JSON: what another process's fake starts from (the sync bench). */
  dump(): FakeState {
    return {
      comments: [...this.comments.values()],
      checks: [...this.checks.values()],
      calls: this.calls,
      next: this.#next
    }
  }

  /** Takes over `state`: its comments and check runs, and its calls after this one's. */
  load(state: FakeState): void {
    this.comments.clear()
    this.checks.clear()
    for (const c of state.comments) this.comments.set(c.id, c)
    for (const c of state.checks) this.checks.set(c.id, c)
    this.calls.push(...state.calls)
    this.#next = Math.max(this.#next, state.next)
  }

  /** Calls by kind, e.g. `{ reads: 6, writes: 10 }`, and by operation. */
  counts(): { reads: number; writes: number; byOp: Partial<Record<Op, number>> } {
    const byOp: Partial<Record<Op, number>> = {}
    for (const c of this.calls) byOp[c.op] = (byOp[c.op] ?? 0) + 1
    const writes = this.calls.filter((c) => WRITES.has(c.op)).length
    return { reads: this.calls.length - writes, writes, byOp }
  }

  writesTo(id: number): number {
    return this.calls.filter((c) => WRITES.has(c.op) && c.id === id).length
  }

  #enter(op: Op, id?: number): void {
    this.calls.push({ op, id })
    const i = this.failures.findIndex((f) => f.op === op && (f.id === undefined || f.id === id))
    if (i === -1) return
    const [f] = this.failures.splice(i, 1)
    throw f?.error
  }

  async whoAmI(): Promise<string | undefined> {
    this.#enter('whoAmI')
    return this.o.login
  }

  async getComment(id: number): Promise<IssueComment> {
    this.#enter('getComment', id)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    const gate = this.gate
    if (gate) {
      gate.opened ??= new Promise<void>((resolve) => (gate.open = resolve))
      if (this.inFlight >= gate.at) gate.open?.()
      await gate.opened
    }
    this.inFlight--
    const c = this.comments.get(id)
    if (!c) throw httpError(404, 'Not Found')
    return structuredClone(c)
  }

  async *listComments(issue: number): AsyncIterable<IssueComment> {
    const all = [...this.comments.values()].filter((c) => c.issue === issue)
    // One request per page of 100, as the real client pages.
    for (let i = 0; i === 0 || i < all.length; i += 100) {
      this.#enter('listComments', issue)
      for (const c of all.slice(i, i + 100)) yield structuredClone(c)
    }
  }

  /** As GitHub answers `sort=updated&direction=desc&since`: one request per page, when read. */
  async *listRepoComments(o: { since: string; perPage?: number }): AsyncIterable<IssueComment> {
    this.repoLists.push(o)
    const perPage = o.perPage ?? 30
    const from = Date.parse(o.since)
    const at = (c: StoredComment): number => Date.parse(c.updated_at ?? c.created_at)
    const all = [...this.comments.values()]
      .filter((c) => at(c) >= from)
      .sort((a, b) => at(b) - at(a) || b.id - a.id)
    for (let i = 0; i === 0 || i < all.length; i += perPage) {
      // The id of a page's call is its number: a failure can be planted on the second.
      this.#enter('listRepoComments', i / perPage + 1)
      for (const c of all.slice(i, i + perPage)) yield structuredClone(c)
    }
  }

  async updateComment(id: number, body: string): Promise<IssueComment> {
    this.#enter('updateComment', id)
    const c = this.comments.get(id)
    if (!c) throw httpError(404, 'Not Found')
    if (c.user?.login !== this.o.as) throw httpError(403, 'Resource not accessible by integration')
    c.body = body
    return structuredClone(c)
  }

  async updateCheckRun(id: number, req: CheckUpdate): Promise<unknown> {
    this.#enter('updateCheckRun', id)
    const c = this.checks.get(id)
    if (!c) throw httpError(404, 'Not Found')
    if (req.status !== undefined) c.status = req.status
    if (req.conclusion !== undefined) c.conclusion = req.conclusion
    if (req.output !== undefined) c.output = req.output
    return structuredClone(c)
  }
}

const STATE = '<!-- devin-handoff-state:'

const CONCLUSIONS: Record<string, RenderedCheck['conclusion']> = {
  finished: 'success',
  'needs-input': 'action_required',
  suspended: 'neutral',
  error: 'failure',
  timeout: 'timed_out'
}

/** Stands in for src/report (renderComment, renderCheck) and src/state/marker.ts. */
export const fakeRender: SyncRender = {
  comment(r: Report): CommentBody {
    const s = r.session
    const lines = [
      `**${r.result ?? 'working'}** ${s?.status ?? ''}/${s?.detail ?? ''} · ${s?.pullRequests.length ?? 0} PR`,
      ...(r.lastMessage === undefined ? [] : [`> ${r.lastMessage}`]),
      `${STATE}${Buffer.from(JSON.stringify(r)).toString('base64url')} -->`
    ]
    return lines.join('\n') as CommentBody
  },
  check(r: Report): RenderedCheck {
    const conclusion = r.cancelled ? 'cancelled' : CONCLUSIONS[r.result ?? '']
    return {
      status: conclusion ? 'completed' : 'in_progress',
      ...(conclusion ? { conclusion } : {}),
      title: `Devin: ${r.result ?? 'working'}`,
      summary: `${r.session?.status}/${r.session?.detail}`
    }
  },
  decode(body: string): Report | undefined {
    const line = body.split('\n').find((l) => l.startsWith(STATE) && l.endsWith(' -->'))
    if (!line) return undefined
    try {
      const r = JSON.parse(
        Buffer.from(line.slice(STATE.length, -4), 'base64url').toString('utf8')
      ) as Report
      return typeof r === 'object' && r !== null && Array.isArray(r.timeline) ? r : undefined
    } catch {
      return undefined
    }
  }
}

export const SLUG = 'octo/hello'
export const KEY = 'default'

export interface Shown extends Showable {
  detail: string
  /** ACUs Devin reports now (seeding only: what is shown leaves them out). */
  acus?: number
}

/** A session's state as the emulator takes it, and as a comment shows it. */
export function stateOf(s: Shown): SessionStep {
  return {
    status: s.status,
    status_detail: s.detail === '' ? null : s.detail,
    pull_requests: s.pullRequests.map((pr_url) => ({ pr_url, pr_state: 'open' })),
    ...(s.acus !== undefined ? { acus_consumed: s.acus } : {})
  }
}

export interface SeedSpec {
  /** What its comment and check run show, and so its `gh-shown:` tag. */
  shown: Shown
  /** What Devin says now (default: what is shown). */
  now?: Shown
  messages?: Array<{ message: string; source?: string }>
  pr?: number
  /** Whether the tags name the comment (false: the handoff's tag write was lost). */
  commentTag?: boolean
  comment?: boolean
  check?: boolean
  /** Tags to use instead of the action's (other repositories, not the action's). */
  tags?: (t: string[]) => string[]
  /** Who wrote the comment (default: the token). */
  by?: string
}

export interface Seeded {
  id: string
  commentId?: number
  checkId?: number
}

/** The report a handoff run would have left in its comment. */
export function handoffReport(id: string, shown: Shown, pr: number): Report {
  return {
    phase: 'ended',
    result: 'created',
    session: {
      id,
      url: `https://app.devin.ai/sessions/${id}`,
      status: shown.status,
      detail: shown.detail,
      pullRequests: [...shown.pullRequests]
    },
    slug: SLUG,
    prNumber: pr,
    startedAt: Date.UTC(2026, 0, 1),
    updatedAt: Date.UTC(2026, 0, 1),
    runUrl: `https://github.com/${SLUG}/actions/runs/1`,
    commentKey: KEY,
    timeline: [{ at: Date.UTC(2026, 0, 1), text: 'session created (new)' }],
    attachments: [],
    requestedBy: { login: 'octocat', text: 'make the tests pass' }
  }
}

/** Lays out sessions in Devin (by seed, no requests) and their surfaces in the GitHub fake. */
export function seed(devin: DevinEmulator, gh: GitHubFake, specs: SeedSpec[]): Seeded[] {
  const ids = devin.seedSessions(
    specs.map((s, i) => ({
      prompt: `task ${i}`,
      tags: [],
      state: { ...stateOf(s.now ?? s.shown), messages: s.messages }
    }))
  )
  return specs.map((s, i) => {
    const id = ids[i] as string
    const pr = s.pr ?? 1 + (i % 40)
    const comment =
      s.comment === false
        ? undefined
        : gh.addComment(
            pr,
            withMarker(KEY, fakeRender.comment(handoffReport(id, s.shown, pr))),
            s.by
          )
    const check = s.check === false ? undefined : gh.addCheck()
    const own = [
      'github-action',
      `gh:${SLUG}`,
      `gh:${SLUG}#${pr}`,
      `gh:${SLUG}#${pr}:${KEY}`,
      liveTag(SLUG),
      `gh-shown:${shownKey(s.shown)}`,
      ...(comment && s.commentTag !== false ? [`gh-comment:${comment.id}`] : []),
      ...(check ? [`gh-check:${check.id}`] : [])
    ]
    const stored = devin.sessions.get(id)
    if (stored) stored.state.tags = s.tags ? s.tags(own) : own
    return { id, commentId: comment?.id, checkId: check?.id }
  })
}

export const WORKING: Shown = { status: 'running', detail: 'working', pullRequests: [] }
export const FINISHED: Shown = { status: 'exit', detail: '', pullRequests: [] }
export const ASKING: Shown = { status: 'running', detail: 'waiting_for_user', pullRequests: [] }
export const withPr = (s: Shown, n = 1): Shown => ({
  ...s,
  pullRequests: Array.from({ length: n }, (_, i) => `https://github.com/${SLUG}/pull/${100 + i}`)
})

export { markerFor }
