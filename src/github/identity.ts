/**
 * Which marked comments are the action's own. The hidden marker names the comment but proves
 * nothing about who wrote it: anyone can paste it. Authorship comes from fields no commenter can
 * set: `user.login`, `user.type` (`Bot` only for an App's bot account, never for a person) and
 * `performed_via_github_app` (the App whose token wrote the comment).
 */
import type { IssueComment } from './types.js'

/**
 * Who the token writes as. A login when known: `GET /user` answered (a personal token), or this
 * run created a comment and GitHub named its author. Undefined for an App installation token
 * (the default `GITHUB_TOKEN`, or one from actions/create-github-app-token) that has not written
 * yet: `GET /user` is closed to those, and no other REST call names the App.
 */
export type Writer = string | undefined

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

/**
 * The bot login of the App that wrote `c` as itself, or undefined when a person wrote it (also
 * through an App acting for them: then `user` is the person). An App's bot is named after the
 * App's slug; a comment whose App and bot disagree is not one GitHub makes, so it is nobody's.
 */
export function appBotOf(c: IssueComment): string | undefined {
  const login = c.user?.login
  if (!login || c.user?.type !== 'Bot' || !/\[bot\]$/i.test(login)) return undefined
  const slug = c.performed_via_github_app?.slug
  return slug === undefined || same(login, `${slug}[bot]`) ? login : undefined
}

export interface OwnPick {
  /** The comment to keep writing to, if any. */
  keep?: IssueComment
  /** The same author's later comments: duplicates left by runs that raced. */
  duplicates: IssueComment[]
  /** Whether `keep`'s author is known to be the writer rather than inferred. */
  certain: boolean
}

/** Oldest first: created_at, then id (ids grow with time). */
export function oldestFirst(a: IssueComment, b: IssueComment): number {
  return a.created_at === b.created_at ? a.id - b.id : a.created_at < b.created_at ? -1 : 1
}

/** A comment's last activity, for telling a live sticky comment from an abandoned one. */
const activity = (c: IssueComment): string => c.updated_at ?? c.created_at

/**
 * The writer's own among comments that carry the marker. With the writer known, its login
 * decides. With it unknown (an installation token), only an App bot's comment can be ours and a
 * person's never is; when several Apps wrote one, the most recently active App is tried first
 * (the sticky comment is edited on every run, an abandoned one is not). `refused` holds App bots
 * already found not to be the writer: GitHub refused to let the token edit their comment.
 */
export function pickOwn(
  marked: readonly IssueComment[],
  writer: Writer,
  refused: ReadonlySet<string> = new Set()
): OwnPick {
  if (writer !== undefined) {
    const mine = marked.filter((c) => same(c.user?.login ?? '', writer)).sort(oldestFirst)
    return { keep: mine[0], duplicates: mine.slice(1), certain: true }
  }
  const byBot = new Map<string, IssueComment[]>()
  for (const c of marked) {
    const bot = appBotOf(c)?.toLowerCase()
    if (bot === undefined || refused.has(bot)) continue
    byBot.set(bot, [...(byBot.get(bot) ?? []), c])
  }
  const latest = (cs: IssueComment[]): string => cs.map(activity).sort().at(-1) ?? ''
  const [first] = [...byBot.values()].sort((a, b) => (latest(a) < latest(b) ? 1 : -1))
  const mine = (first ?? []).sort(oldestFirst)
  return { keep: mine[0], duplicates: mine.slice(1), certain: false }
}

/**
 * The writer, learned from a create whose answer was lost: GitHub acted if an App bot's comment
 * now carries exactly the body that was sent (it holds the time to the millisecond, so no other
 * run's matches, and no person can write as a bot). Unchanged when it was known or none does.
 */
export function writerFromSent(
  marked: readonly IssueComment[],
  sent: string,
  writer: Writer
): Writer {
  if (writer !== undefined) return writer
  const mine = marked.find((c) => c.body === sent && appBotOf(c) !== undefined)
  return mine?.user?.login
}
