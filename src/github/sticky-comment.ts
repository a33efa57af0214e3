/**
 * One sticky comment per PR and comment key. It is found again by a hidden marker *and* by its
 * author being the token's identity (anyone can paste a marker), across every page of comments.
 * When two runs race and both create one, the oldest wins and later duplicates are deleted.
 */
import { capUnits } from '../egress/caps.js'
import { MAX_COMMENT_CHARS, type CommentBody } from '../egress/comment.js'
import type { GitHubApi } from './client.js'
import type { IssueComment } from './types.js'

export { MAX_COMMENT_CHARS } from '../egress/comment.js'

export function markerFor(key: string): string {
  return `<!-- devin-handoff:${key} -->`
}

const TRUNCATED = '\n\n_…the rest of this comment was cut to fit GitHub’s size limit._\n'

/**
 * Puts the marker first. The gate already cut the body to leave room for the marker; the cap
 * here only holds if that room ever ran short.
 */
export function withMarker(key: string, body: CommentBody): string {
  return capUnits(`${markerFor(key)}\n${body}`, MAX_COMMENT_CHARS, TRUNCATED)
}

export function isOurs(comment: IssueComment, key: string, login: string): boolean {
  return (
    (comment.body ?? '').startsWith(markerFor(key)) &&
    (comment.user?.login ?? '').toLowerCase() === login.toLowerCase()
  )
}

/** Oldest first: created_at, then id (ids grow with time). */
export function oldestFirst(a: IssueComment, b: IssueComment): number {
  return a.created_at === b.created_at ? a.id - b.id : a.created_at < b.created_at ? -1 : 1
}

/** No answer, a 5xx, or a timeout (Octokit reports network failures and timeouts as 500). */
function outcomeUnknown(err: unknown): boolean {
  const status = (err as { status?: unknown } | undefined)?.status
  return typeof status !== 'number' || status >= 500
}

export async function findSticky(
  api: GitHubApi,
  issue: number,
  key: string
): Promise<IssueComment[]> {
  const login = await api.whoAmI()
  const found: IssueComment[] = []
  for await (const c of api.listComments(issue)) {
    if (isOurs(c, key, login)) found.push(c)
  }
  return found.sort(oldestFirst)
}

export interface StickyResult {
  id: number
  url: string
  created: boolean
  deletedDuplicates: number
}

export class StickyComment {
  private id?: number
  private url?: string
  private lastBody?: string

  constructor(
    private readonly api: GitHubApi,
    readonly issue: number,
    readonly key: string,
    known?: { id: number; url: string }
  ) {
    this.id = known?.id
    this.url = known?.url
  }

  get commentId(): number | undefined {
    return this.id
  }

  get commentUrl(): string | undefined {
    return this.url
  }

  /** Creates or updates the comment; an unchanged body costs no request. */
  async write(body: CommentBody): Promise<StickyResult> {
    const full = withMarker(this.key, body)
    if (this.id !== undefined && full === this.lastBody) {
      return { id: this.id, url: this.url ?? '', created: false, deletedDuplicates: 0 }
    }
    let created = false
    let deleted = 0
    if (this.id === undefined) {
      const existing = await findSticky(this.api, this.issue, this.key)
      const [oldest, ...rest] = existing
      if (oldest) {
        this.adopt(oldest)
        deleted += await this.deleteAll(rest)
      }
    }
    if (this.id === undefined) {
      this.adopt(await this.create(full))
      created = true
      deleted += await this.settleRace()
    }
    if (this.lastBody !== full) {
      this.adopt(await this.api.updateComment(this.id as number, full))
    }
    this.lastBody = full
    return { id: this.id as number, url: this.url ?? '', created, deletedDuplicates: deleted }
  }

  /**
   * Creates the comment without ever blindly writing a second one: when the outcome is unknown
   * (5xx, dropped connection, timeout, unreadable answer), our comment is looked for first and
   * the create is sent once more only if it is not there.
   */
  private async create(body: string): Promise<IssueComment> {
    for (let attempt = 1; ; attempt++) {
      let failure: unknown
      try {
        const c = await this.api.createComment(this.issue, body)
        if (typeof c?.id === 'number') return c
        failure = new Error('GitHub answered the comment create without a comment')
      } catch (err) {
        if (!outcomeUnknown(err)) throw err
        failure = err
      }
      const [found] = await findSticky(this.api, this.issue, this.key)
      if (found) return found
      if (attempt >= 2) throw failure
    }
  }

  private adopt(c: IssueComment): void {
    this.id = c.id
    this.url = c.html_url
    this.lastBody = c.body
  }

  /** After a create: if a concurrent run created one too, keep the oldest and delete the rest. */
  private async settleRace(): Promise<number> {
    const all = await findSticky(this.api, this.issue, this.key)
    const [oldest, ...rest] = all
    if (!oldest) return 0
    // The other run may already have deleted ours: then the oldest is the one to keep writing.
    if (oldest.id !== this.id) this.adopt(oldest)
    return rest.length > 0 ? this.deleteAll(rest) : 0
  }

  private async deleteAll(comments: IssueComment[]): Promise<number> {
    let n = 0
    for (const c of comments) {
      try {
        await this.api.deleteComment(c.id)
        n++
      } catch (err) {
        // Another racing run may have deleted it first.
        if ((err as { status?: number }).status !== 404) throw err
      }
    }
    return n
  }
}
