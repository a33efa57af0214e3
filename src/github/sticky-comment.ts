/**
 * One sticky comment per PR and comment key. It is found again by a hidden marker *and* by its
 * author being the token's identity (anyone can paste a marker; ./identity.ts tells who wrote
 * what), across every page of comments. When two runs race and both create one, the oldest wins
 * and later duplicates are deleted.
 */
import { capUnits } from '../egress/caps.js'
import { MAX_COMMENT_CHARS, type CommentBody } from '../egress/comment.js'
import type { GitHubApi } from './client.js'
import { outcomeUnknown, statusOf } from './errors.js'
import { pickOwn, writerFromSent, type Writer } from './identity.js'
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

/** Comments that start with the marker of `key`: candidates only, until ./identity.ts decides. */
export async function markedComments(
  api: Pick<GitHubApi, 'listComments'>,
  issue: number,
  key: string
): Promise<IssueComment[]> {
  const marker = markerFor(key)
  const found: IssueComment[] = []
  for await (const c of api.listComments(issue)) {
    if ((c.body ?? '').startsWith(marker)) found.push(c)
  }
  return found
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
  /** Whether the comment in hand is known to be the token's own, not inferred (./identity.ts). */
  private certain: boolean
  /** Its author, remembered in case GitHub refuses the token its edit. */
  private author?: string
  /** Who the token writes as: asked once, then learned from the comment this run creates. */
  private writer?: { login: Writer }
  /** App bots whose comments the token may not edit, so they are not the token's identity. */
  private readonly refused = new Set<string>()

  constructor(
    private readonly api: GitHubApi,
    readonly issue: number,
    readonly key: string,
    known?: { id: number; url: string }
  ) {
    this.id = known?.id
    this.url = known?.url
    // The post step is handed the comment the main step wrote.
    this.certain = known !== undefined
  }

  get commentId(): number | undefined {
    return this.id
  }

  get commentUrl(): string | undefined {
    return this.url
  }

  /** The body of this key's comment as it stands (an earlier run's, adopted), if there is one. */
  async current(): Promise<string | undefined> {
    if (this.id === undefined) await this.adoptExisting()
    return this.lastBody
  }

  /**
   * Creates or updates the comment; an unchanged body costs no request. A comment that vanished
   * (deleted while the run waited) or turned out to be another App's is let go, and the write is
   * tried once more: look again, create if none.
   */
  async write(body: CommentBody): Promise<StickyResult> {
    const full = withMarker(this.key, body)
    if (this.id !== undefined && full === this.lastBody) return this.result(false, 0)
    let created = false
    let deleted = 0
    for (let attempt = 1; ; attempt++) {
      const duplicates = this.id === undefined ? await this.adoptExisting() : []
      if (this.id === undefined) {
        await this.create(full)
        created = true
        deleted += await this.settleRace()
      }
      try {
        if (this.lastBody !== full) await this.api.updateComment(this.id as number, full)
      } catch (err) {
        if (attempt >= 2 || !this.letGo(err)) throw err
        continue
      }
      this.lastBody = full
      // Only once written: a comment inferred ours is proven writable before its kin go.
      return this.result(created, deleted + (await this.deleteAll(duplicates)))
    }
  }

  private result(created: boolean, deletedDuplicates: number): StickyResult {
    return { id: this.id as number, url: this.url ?? '', created, deletedDuplicates }
  }

  private async writerLogin(): Promise<Writer> {
    this.writer ??= { login: await this.api.whoAmI() }
    return this.writer.login
  }

  /** The token's own comment among the marked ones; `sent`: the body of a create just tried. */
  private async pick(sent?: string) {
    const marked = await markedComments(this.api, this.issue, this.key)
    let writer = await this.writerLogin()
    if (sent !== undefined && writer === undefined) {
      writer = writerFromSent(marked, sent, writer)
      if (writer !== undefined) this.writer = { login: writer }
    }
    return pickOwn(marked, writer, this.refused)
  }

  /** Adopts an earlier run's comment, if any; returns its duplicates, deleted once written. */
  private async adoptExisting(): Promise<IssueComment[]> {
    const { keep, duplicates, certain } = await this.pick()
    if (keep) this.adopt(keep, certain)
    return keep ? duplicates : []
  }

  /**
   * Creates the comment without ever blindly writing a second one: when the outcome is unknown
   * (5xx, dropped connection, timeout, unreadable answer), our comment is looked for first and
   * the create is sent once more only if it is not there. GitHub's answer names the author:
   * from then on the token's identity is known, whatever `GET /user` said.
   */
  private async create(body: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let failure: unknown
      try {
        const c = await this.api.createComment(this.issue, body)
        if (typeof c?.id === 'number') {
          if (c.user?.login) this.writer = { login: c.user.login }
          return this.adopt(c, c.user?.login !== undefined)
        }
        failure = new Error('GitHub answered the comment create without a comment')
      } catch (err) {
        if (!outcomeUnknown(err)) throw err
        failure = err
      }
      const { keep, certain } = await this.pick(body)
      if (keep) return this.adopt(keep, certain)
      if (attempt >= 2) throw failure
    }
  }

  private adopt(c: IssueComment, certain: boolean): void {
    this.id = c.id
    this.url = c.html_url
    this.lastBody = c.body
    this.author = c.user?.login
    this.certain = certain
  }

  /**
   * Whether a refused edit means the comment in hand is not ours to write: deleted (404), or
   * only inferred ours and GitHub will not let the token edit it (403), so another App's. It is
   * let go, and the next attempt looks again. Any other failure is the caller's to report.
   */
  private letGo(err: unknown): boolean {
    const status = statusOf(err)
    const message = (err as { message?: unknown } | undefined)?.message
    const notMine =
      status === 403 &&
      !this.certain &&
      this.author !== undefined &&
      !/rate limit/i.test(String(message))
    if (status !== 404 && !notMine) return false
    if (notMine) this.refused.add((this.author as string).toLowerCase())
    this.id = undefined
    this.url = undefined
    this.lastBody = undefined
    this.author = undefined
    return true
  }

  /** After a create: if a concurrent run created one too, keep the oldest and delete the rest. */
  private async settleRace(): Promise<number> {
    // Unless GitHub named the author, a racing run's comment looks like any other App's.
    if (this.writer?.login === undefined) return 0
    const { keep, duplicates, certain } = await this.pick()
    if (!keep) return 0
    // The other run may already have deleted ours: then the oldest is the one to keep writing.
    if (keep.id !== this.id) this.adopt(keep, certain)
    return this.deleteAll(duplicates)
  }

  private async deleteAll(comments: IssueComment[]): Promise<number> {
    let n = 0
    for (const c of comments) {
      try {
        await this.api.deleteComment(c.id)
        n++
      } catch (err) {
        // Another racing run may have deleted it first.
        if (statusOf(err) !== 404) throw err
      }
    }
    return n
  }
}
