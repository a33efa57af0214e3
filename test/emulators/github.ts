/**
 * Loopback emulator of the slice of GitHub's REST API the action uses: pulls (JSON, diff, files),
 * issues, issue comments (per issue and the repository's), reactions, collaborator permissions,
 * check runs (./github-checks.ts), and workflow runs' jobs, job logs and commit→PR lookups
 * (./github-actions.ts).
 * Error bodies, pagination (`Link`
 * headers, per_page caps) and the limits (65,536-char comments, 300-file diffs, 3,000 listed files)
 * follow GitHub so the action meets them here first. What it answers is built by ./github-json.ts
 * and, with every request it receives, checked against GitHub's OpenAPI description at run time
 * (./openapi.ts): a mismatch fails the test when the emulator closes.
 */

import {
  botSlug,
  collaboratorPermission,
  ghError,
  diffEntry,
  fullRepository,
  integration,
  issue,
  issueComment,
  privateUser,
  pullRequest,
  pullRequestSimple,
  reaction,
  repository,
  simpleUser
} from './github-json.ts'
import type { FileFacts, PullFacts, RepositoryJson, Site, UserType } from './github-json.ts'
import type { CheckActor, ChecksPermission, StoredCheckRun } from './github-check-rules.ts'
import { CheckRunStore } from './github-checks.ts'
import { ActionsStore } from './github-actions.ts'
import type { BlobOptions, WorkflowRunFixture } from './github-actions.ts'
import type { CheckRunSeed } from './github-checks.ts'
import { HttpEmulator } from './http.ts'
import type { EmuRequest, Reply } from './http.ts'
import { githubConformance } from './openapi.ts'

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

export interface TokenIdentity {
  login: string
  type: 'Bot' | 'User'
  /**
   * Installation tokens (GITHUB_TOKEN, actions/create-github-app-token) cannot call GET /user.
   * They write as their App's bot, `<slug>[bot]` with type Bot. A `ghs_` token is one whatever
   * this says; set it for an installation token without the prefix (older formats, GHES).
   */
  installation?: boolean
  readOnly?: boolean
  /**
   * The App whose token this is, by slug: what GitHub puts in `performed_via_github_app` on what
   * it writes. Bot tokens default to their login's slug; set it on a User token to model an App
   * acting for a person (a user-to-server token: the comment's author is the person).
   */
  app?: string
  /**
   * What the token's App may do with check runs (a workflow's `permissions: checks:`): `write`
   * by default. A person's token has no App and never writes check runs, whatever this says.
   */
  checks?: ChecksPermission
  /** What the token may read of Actions (`permissions: actions:`): `read` by default. */
  actions?: 'read' | 'none'
}

/** A file row as a fixture gives it: exactly what the JSON builder turns into a diff entry. */
export type FileFixture = FileFacts

export interface PullFixture {
  number: number
  title?: string
  body?: string | null
  draft?: boolean
  state?: 'open' | 'closed'
  user?: { login: string; type?: 'Bot' | 'User' }
  head: { ref: string; sha: string; repo?: string; fork?: boolean }
  base: { ref: string; sha: string }
  files?: FileFixture[]
  /** Raw diff; built from the files' patches when absent. */
  diff?: string
}

export interface IssueFixture {
  number: number
  title?: string
  body?: string | null
  state?: 'open' | 'closed'
  user?: { login: string; type?: 'Bot' | 'User' }
}

export interface StoredComment {
  id: number
  issue: number
  body: string
  login: string
  type: 'Bot' | 'User'
  /** Slug of the App whose token wrote it; undefined when a person's token did. */
  app?: string
  created_at: string
  updated_at: string
  deleted: boolean
}

export interface StoredReaction {
  id: number
  subject: 'issue-comment' | 'pull-comment'
  commentId: number
  content: string
  login: string
  type: 'Bot' | 'User'
  created_at: string
}

/** A write GitHub acted on: what the write counter counts (reactions are not counted). */
export interface GitHubWrite {
  kind: 'comment' | 'check'
  method: string
  id: number
}

export interface GitHubEmulatorOptions {
  owner: string
  repo: string
  tokens?: Record<string, TokenIdentity>
  pulls?: PullFixture[]
  issues?: IssueFixture[]
  permissions?: Record<string, Permission>
  port?: number
  /** The web host links point at (GitHub Enterprise Server); default https://github.com. */
  serverUrl?: string
  /** Where the REST API is mounted: `/api/v3` on GitHub Enterprise Server; default the root. */
  apiPath?: string
  /** Workflow runs and their jobs and logs (./github-actions.ts). */
  runs?: WorkflowRunFixture[]
  /** The job logs' storage host: link lifetime, uses, clock. */
  blob?: BlobOptions
}

export const COMMENT_LIMIT = 65536
const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes']

export { botSlug, ghError }

const iso = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The App a token acts for: its own for a bot, the one named for a person's App token. */
const appOf = (who: TokenIdentity): string | undefined =>
  who.app ?? (who.type === 'Bot' ? botSlug(who.login) : undefined)

/** One page of `items` plus GitHub's RFC 5988 `Link` header (query params kept, page replaced). */
export function paginate<T>(items: T[], req: EmuRequest, baseUrl: string): Reply {
  const raw = Number(req.search.get('per_page') ?? 30)
  const perPage = Number.isInteger(raw) && raw > 0 ? Math.min(raw, 100) : 30
  const rawPage = Number(req.search.get('page') ?? 1)
  const pageNo = Number.isInteger(rawPage) && rawPage > 0 ? rawPage : 1
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (n: number, rel: string): string => {
    const q = new URLSearchParams(req.search)
    q.set('per_page', String(perPage))
    q.set('page', String(n))
    return `<${baseUrl}${req.path}?${q.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (pageNo > 1) links.push(link(pageNo - 1, 'prev'))
  if (pageNo < last) links.push(link(pageNo + 1, 'next'), link(last, 'last'))
  if (pageNo > 1) links.push(link(1, 'first'))
  const json = items.slice((pageNo - 1) * perPage, pageNo * perPage)
  return { status: 200, headers: links.length ? { link: links.join(', ') } : {}, json }
}

export function buildDiff(files: FileFixture[]): string {
  return files
    .map((f) => {
      const from = f.previous_filename ?? f.filename
      const head = `diff --git a/${from} b/${f.filename}\n--- a/${from}\n+++ b/${f.filename}\n`
      return head + (f.patch ?? '') + '\n'
    })
    .join('')
}

export class GitHubEmulator extends HttpEmulator {
  readonly owner: string
  readonly repo: string
  readonly tokens: Record<string, TokenIdentity>
  readonly pulls = new Map<number, PullFixture>()
  readonly issues = new Map<number, IssueFixture>()
  readonly permissions: Record<string, Permission>
  readonly serverUrl: string
  /** When the fixtures' pull requests and issues were opened: when the emulator started. */
  readonly startedAt = iso()
  readonly comments: StoredComment[] = []
  readonly reactions: StoredReaction[] = []
  /** Comment and check run writes that succeeded, in order. */
  readonly writeLog: GitHubWrite[] = []
  private readonly checks = new CheckRunStore({
    site: () => this.site,
    slug: () => this.slug,
    owner: () => this.owner,
    pulls: () => this.pulls.values(),
    newId: () => this.nextId++,
    wrote: (method, id) => this.wrote('check', method, id),
    page: (items, req) => paginate(items, req, this.url)
  })
  private nextId = 1_000_001
  /** Workflow runs, job logs behind their storage host, commit→PR lookups. */
  readonly actions: ActionsStore

  constructor(opts: GitHubEmulatorOptions) {
    super({ errorReply: (status, message) => ghError(status, message) })
    this.owner = opts.owner
    this.repo = opts.repo
    this.tokens = opts.tokens ?? {
      ghs_test_token: { login: 'github-actions[bot]', type: 'Bot', installation: true }
    }
    for (const p of opts.pulls ?? []) this.pulls.set(p.number, p)
    for (const i of opts.issues ?? []) this.issues.set(i.number, i)
    this.permissions = opts.permissions ?? {}
    this.serverUrl = (opts.serverUrl ?? 'https://github.com').replace(/\/+$/, '')
    this.basePath = (opts.apiPath ?? '').replace(/\/+$/, '')
    this.actions = new ActionsStore(
      {
        site: () => this.site,
        slug: () => this.slug,
        page: (items, req) => paginate(items, req, this.url),
        pullsAt: (sha) =>
          [...this.pulls.values()]
            .filter((p) => p.head.sha.toLowerCase() === sha)
            .map((p) => pullRequestSimple(this.site, this.slug, this.pullFacts(p)))
      },
      opts.blob
    )
    for (const run of opts.runs ?? []) this.actions.addRun(run)
    this.registerRoutes()
    this.conformTo(githubConformance(this.routeList()))
  }

  /** The storage host first: log links name it. */
  override async listen(port?: number): Promise<string> {
    await this.actions.blob.listen()
    return super.listen(port)
  }

  override async close(): Promise<void> {
    try {
      await super.close()
    } finally {
      await this.actions.blob.close()
    }
  }

  get slug(): string {
    return `${this.owner}/${this.repo}`
  }

  /**
   * Seeds a comment written by someone else (or by the token's identity). A bot's comment is
   * performed via its App unless `app` says otherwise (null: via none).
   */
  addComment(c: {
    issue: number
    body: string
    login: string
    type?: 'Bot' | 'User'
    app?: string | null
    /** When it was written and last edited (ISO): now by default. */
    createdAt?: string
    updatedAt?: string
  }): StoredComment {
    const t = c.createdAt ?? iso()
    const type = c.type ?? 'User'
    const stored: StoredComment = {
      id: this.nextId++,
      issue: c.issue,
      body: c.body,
      login: c.login,
      type,
      app: c.app === null ? undefined : (c.app ?? (type === 'Bot' ? botSlug(c.login) : undefined)),
      created_at: t,
      updated_at: c.updatedAt ?? t,
      deleted: false
    }
    this.comments.push(stored)
    return stored
  }

  /** Comment and check run writes GitHub acted on so far (creates, edits, deletes). */
  get writeCount(): number {
    return this.writeLog.length
  }

  /** Every check run created, with its history of writes. */
  get checkRuns(): readonly StoredCheckRun[] {
    return this.checks.runs
  }

  /** Seeds a check run, another App's or the token's own, as if created before the test. */
  addCheckRun(seed: CheckRunSeed): StoredCheckRun {
    return this.checks.add(seed)
  }

  liveComments(issue: number): StoredComment[] {
    return this.comments.filter((c) => c.issue === issue && !c.deleted)
  }

  private identity(req: EmuRequest): TokenIdentity | Reply {
    const h = req.headers.authorization
    if (typeof h !== 'string') return ghError(401, 'Requires authentication')
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(h)?.[1] ?? ''
    const who = this.tokens[token]
    if (who === undefined) return ghError(401, 'Bad credentials')
    // GitHub gives installation tokens, and only those, the `ghs_` prefix.
    return token.startsWith('ghs_') ? { ...who, installation: true } : who
  }

  /** Auth + repo checks; writes by read-only tokens fail the way GitHub fails them. */
  private repoRoute(
    method: string,
    pattern: string,
    handler: (req: EmuRequest, who: TokenIdentity) => Reply
  ) {
    this.route(method, `/repos/:owner/:repo${pattern}`, (req) => {
      const who = this.identity(req)
      if ('status' in who) return who
      const { owner, repo } = req.params
      if (
        owner?.toLowerCase() !== this.owner.toLowerCase() ||
        repo?.toLowerCase() !== this.repo.toLowerCase()
      ) {
        return ghError(404, 'Not Found')
      }
      if (method !== 'GET' && who.readOnly)
        return ghError(403, 'Resource not accessible by integration')
      return handler(req, who)
    })
  }

  /** Where links point: the emulator's own URL for the API, the web host for pages. */
  get site(): Site {
    return { api: this.url, web: this.serverUrl }
  }

  private user(login: string, type?: UserType) {
    return simpleUser(this.site, login, type)
  }

  /** How GitHub labels someone's relation to the repository on what they wrote. */
  private association(login: string) {
    if (login.toLowerCase() === this.owner.toLowerCase()) return 'OWNER' as const
    return this.permissions[login] && this.permissions[login] !== 'none'
      ? ('COLLABORATOR' as const)
      : ('NONE' as const)
  }

  private repoJson(fullName: string, fork: boolean): RepositoryJson {
    return repository(this.site, { fullName, fork, defaultBranch: 'main' })
  }

  private pullFacts(p: PullFixture): PullFacts {
    const headRepo = p.head.repo ?? this.slug
    const author = p.user?.login ?? 'octocat'
    return {
      number: p.number,
      title: p.title ?? `PR ${p.number}`,
      body: p.body ?? null,
      draft: p.draft ?? false,
      state: p.state ?? 'open',
      user: this.user(author, p.user?.type),
      head: {
        ref: p.head.ref,
        sha: p.head.sha,
        repo: this.repoJson(headRepo, p.head.fork ?? headRepo !== this.slug)
      },
      base: { ref: p.base.ref, sha: p.base.sha, repo: this.repoJson(this.slug, false) },
      createdAt: this.startedAt,
      authorAssociation: this.association(author),
      files: p.files ?? []
    }
  }

  private commentJson(c: StoredComment) {
    return issueComment(this.site, this.slug, {
      id: c.id,
      issue: c.issue,
      body: c.body,
      user: this.user(c.login, c.type),
      createdAt: c.created_at,
      updatedAt: c.updated_at,
      pull: this.pulls.has(c.issue),
      authorAssociation: this.association(c.login),
      app: c.app === undefined ? null : integration(this.site, c.app, this.owner)
    })
  }

  private checkBody(req: EmuRequest): string | Reply {
    const body = (req.json as { body?: unknown } | undefined)?.body
    if (typeof body !== 'string')
      return ghError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    // Counted in characters (code points), as GitHub's Rails validation does.
    if ([...body].length > COMMENT_LIMIT) {
      return ghError(422, 'Validation Failed', {
        errors: [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: `body is too long (maximum is ${COMMENT_LIMIT} characters)`
          }
        ]
      })
    }
    return body
  }

  private ownComment(req: EmuRequest, who: TokenIdentity): StoredComment | Reply {
    const c = this.comments.find((x) => x.id === Number(req.params.id) && !x.deleted)
    if (c === undefined) return ghError(404, 'Not Found')
    if (req.method !== 'GET' && c.login !== who.login) {
      return ghError(403, 'Must have admin rights to Repository.')
    }
    return c
  }

  /**
   * `GET …/issues/comments`: every live comment of the repository, by id without `sort` (the
   * direction is then ignored, as GitHub documents); with it, by creation or last update, latest
   * first unless `direction=asc`. `since` keeps those updated at or after it.
   */
  private repoComments(req: EmuRequest): Reply {
    const q = (name: string): string | undefined => req.search.get(name) ?? undefined
    const since = q('since')
    const from = since === undefined ? undefined : Date.parse(since)
    const sort = q('sort')
    const direction = q('direction')
    const bad =
      from !== undefined && Number.isNaN(from)
        ? 'since'
        : sort !== undefined && sort !== 'created' && sort !== 'updated'
          ? 'sort'
          : direction !== undefined && direction !== 'asc' && direction !== 'desc'
            ? 'direction'
            : undefined
    if (bad !== undefined)
      return ghError(422, 'Validation Failed', {
        errors: [{ resource: 'IssueComment', field: bad, code: 'invalid' }]
      })
    const at = (c: StoredComment): number =>
      Date.parse(sort === 'updated' ? c.updated_at : c.created_at)
    const sign = sort !== undefined && direction !== 'asc' ? -1 : 1
    const rows = this.comments
      .filter((c) => !c.deleted && (from === undefined || Date.parse(c.updated_at) >= from))
      .sort((a, b) => (sort === undefined ? 0 : sign * (at(a) - at(b))) || sign * (a.id - b.id))
    return paginate(
      rows.map((c) => this.commentJson(c)),
      req,
      this.url
    )
  }

  private react(req: EmuRequest, who: TokenIdentity, subject: StoredReaction['subject']): Reply {
    const commentId = Number(req.params.id)
    if (
      subject === 'issue-comment' &&
      !this.comments.some((c) => c.id === commentId && !c.deleted)
    ) {
      return ghError(404, 'Not Found')
    }
    const mine = this.reactions.filter((r) => r.subject === subject && r.commentId === commentId)
    const view = (r: StoredReaction) =>
      reaction({
        id: r.id,
        user: this.user(r.login, r.type),
        content: r.content,
        createdAt: r.created_at
      })
    if (req.method === 'GET') return paginate(mine.map(view), req, this.url)
    const content = (req.json as { content?: unknown } | undefined)?.content
    if (typeof content !== 'string' || !REACTIONS.includes(content)) {
      return ghError(422, 'Validation Failed', {
        errors: [{ resource: 'Reaction', code: 'invalid', field: 'content' }]
      })
    }
    const existing = mine.find((r) => r.login === who.login && r.content === content)
    if (existing) return { status: 200, json: view(existing) }
    const r: StoredReaction = {
      id: this.nextId++,
      subject,
      commentId,
      content,
      login: who.login,
      type: who.type,
      created_at: iso()
    }
    this.reactions.push(r)
    return { status: 201, json: view(r) }
  }

  private wrote(kind: GitHubWrite['kind'], method: string, id: number): void {
    this.writeLog.push({ kind, method, id })
  }

  private checkActor(who: TokenIdentity): CheckActor {
    return { app: appOf(who), checks: who.checks ?? 'write' }
  }

  private registerChecks(): void {
    const checks = this.checks
    const actor = (who: TokenIdentity) => this.checkActor(who)
    this.repoRoute('POST', '/check-runs', (req, who) => checks.create(req, actor(who)))
    this.repoRoute('PATCH', '/check-runs/:id', (req, who) => checks.update(req, actor(who)))
    this.repoRoute('GET', '/check-runs/:id', (req, who) => checks.get(req, actor(who)))
    this.repoRoute('GET', '/commits/:ref/check-runs', (req, who) => checks.list(req, actor(who)))
  }

  private registerActions(): void {
    const actions = this.actions
    const readable = (who: TokenIdentity, then: () => Reply): Reply =>
      who.actions === 'none' ? ghError(403, 'Resource not accessible by integration') : then()
    this.repoRoute('GET', '/actions/runs/:run_id/jobs', (req, who) =>
      readable(who, () => actions.jobs(req))
    )
    this.repoRoute('GET', '/actions/jobs/:job_id/logs', (req, who) =>
      readable(who, () => actions.logs(req))
    )
    this.repoRoute('GET', '/commits/:commit_sha/pulls', (req) => actions.commitPulls(req))
  }

  private registerRoutes(): void {
    this.registerChecks()
    this.registerActions()
    this.route('GET', '/user', (req) => {
      const who = this.identity(req)
      if ('status' in who) return who
      if (who.installation) return ghError(403, 'Resource not accessible by integration')
      return { status: 200, json: privateUser(this.site, who.login, who.type) }
    })
    this.repoRoute('GET', '', () => ({
      status: 200,
      json: fullRepository(this.site, { fullName: this.slug, fork: false, defaultBranch: 'main' })
    }))
    this.repoRoute('GET', '/pulls', (req) => {
      const state = req.search.get('state') ?? 'open'
      const head = req.search.get('head')
      const pulls = [...this.pulls.values()]
        .filter((p) => state === 'all' || (p.state ?? 'open') === state)
        .filter(
          (p) =>
            head === null || `${(p.head.repo ?? this.slug).split('/')[0]}:${p.head.ref}` === head
        )
        .map((p) => pullRequestSimple(this.site, this.slug, this.pullFacts(p)))
      return paginate(pulls, req, this.url)
    })
    this.repoRoute('GET', '/pulls/:n', (req) => {
      const p = this.pulls.get(Number(req.params.n))
      if (p === undefined) return ghError(404, 'Not Found')
      if (!/diff/.test(String(req.headers.accept ?? '')))
        return { status: 200, json: pullRequest(this.site, this.slug, this.pullFacts(p)) }
      const files = p.files ?? []
      if (files.length > 300) {
        const message =
          "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests files' API or locally cloning the repository instead."
        // GitHub adds `errors: [{ code: 'too_large' }]`, which its description does not document.
        return ghError(406, message)
      }
      const diff = p.diff ?? buildDiff(files)
      return {
        status: 200,
        headers: { 'content-type': 'application/vnd.github.diff; charset=utf-8' },
        body: diff
      }
    })
    this.repoRoute('GET', '/pulls/:n/files', (req) => {
      const p = this.pulls.get(Number(req.params.n))
      if (p === undefined) return ghError(404, 'Not Found')
      const rows = (p.files ?? [])
        .slice(0, 3000)
        .map((f) => diffEntry(this.site, this.slug, p.head.sha, f))
      return paginate(rows, req, this.url)
    })
    // Before `/issues/:n`, which would take `comments` for an issue number.
    this.repoRoute('GET', '/issues/comments', (req) => this.repoComments(req))
    this.repoRoute('GET', '/issues/:n', (req) => {
      const n = Number(req.params.n)
      const p = this.pulls.get(n)
      const i = this.issues.get(n)
      if (p === undefined && i === undefined) return ghError(404, 'Not Found')
      const src = p ?? i
      const author = src?.user?.login ?? 'octocat'
      const json = issue(this.site, this.slug, {
        number: n,
        title: src?.title ?? `Issue ${n}`,
        body: src?.body ?? null,
        state: src?.state ?? 'open',
        user: this.user(author, src?.user?.type),
        createdAt: this.startedAt,
        comments: this.liveComments(n).length,
        authorAssociation: this.association(author),
        pull: p !== undefined
      })
      return { status: 200, json }
    })
    this.repoRoute('GET', '/issues/:n/comments', (req) => {
      const n = Number(req.params.n)
      if (!this.pulls.has(n) && !this.issues.has(n)) return ghError(404, 'Not Found')
      return paginate(
        this.liveComments(n).map((c) => this.commentJson(c)),
        req,
        this.url
      )
    })
    this.repoRoute('POST', '/issues/:n/comments', (req, who) => {
      const n = Number(req.params.n)
      if (!this.pulls.has(n) && !this.issues.has(n)) return ghError(404, 'Not Found')
      const body = this.checkBody(req)
      if (typeof body !== 'string') return body
      const c = this.addComment({
        issue: n,
        body,
        login: who.login,
        type: who.type,
        app: appOf(who) ?? null
      })
      this.wrote('comment', 'POST', c.id)
      return { status: 201, json: this.commentJson(c) }
    })
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      this.repoRoute(method, '/issues/comments/:id', (req, who) => {
        const c = this.ownComment(req, who)
        if ('status' in c) return c
        const comment = c
        if (method === 'DELETE') {
          comment.deleted = true
          this.wrote('comment', method, comment.id)
          return { status: 204 }
        }
        if (method === 'PATCH') {
          const body = this.checkBody(req)
          if (typeof body !== 'string') return body
          comment.body = body
          comment.updated_at = iso()
          this.wrote('comment', method, comment.id)
        }
        return { status: 200, json: this.commentJson(comment) }
      })
    }
    for (const method of ['GET', 'POST']) {
      this.repoRoute(method, '/issues/comments/:id/reactions', (req, who) =>
        this.react(req, who, 'issue-comment')
      )
      this.repoRoute(method, '/pulls/comments/:id/reactions', (req, who) =>
        this.react(req, who, 'pull-comment')
      )
    }
    this.repoRoute('GET', '/collaborators/:user/permission', (req) => {
      const login = req.params.user ?? ''
      const role = this.permissions[login] ?? 'none'
      return { status: 200, json: collaboratorPermission(this.site, login, role) }
    })
  }
}

export async function startGitHubEmulator(opts: GitHubEmulatorOptions): Promise<GitHubEmulator> {
  const emu = new GitHubEmulator(opts)
  await emu.listen(opts.port)
  return emu
}
