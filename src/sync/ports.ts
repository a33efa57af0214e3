/**
 * What `mode: sync` needs of the Devin client, the GitHub client and the renderers, as small
 * interfaces: the engine is tested against the real Devin emulator and an in-memory GitHub, and
 * the entry point is handed the real clients and renderers.
 */
import type { DevinClient } from '../devin/client.js'
import type { CommentBody } from '../egress/comment.js'
import type { ForDevin } from '../egress/devin.js'
import type { CheckConclusion, IssueComment } from '../github/types.js'
import type { Report } from '../state/run-state.js'

export type SyncDevin = Pick<DevinClient, 'listSessions' | 'lastDevinMessage' | 'replaceTags'>

/** What the review sync reads of Devin: one review, by its PR and commit (undefined on a 404). */
export type ReviewSyncDevin = Pick<DevinClient, 'getReview'>

export type { CheckConclusion }

export interface CheckUpdate {
  status?: 'queued' | 'in_progress' | 'completed'
  conclusion?: CheckConclusion
  details_url?: string
  output?: { title: string; summary: string }
}

/** The GitHub calls sync makes: reads of the comment, and edits of what exists, never a create. */
export interface SyncGitHub {
  /** The token's login, or undefined for an App installation token (src/github/identity.ts). */
  whoAmI(): Promise<string | undefined>
  /** Undefined when the comment was deleted. */
  getComment(id: number): Promise<IssueComment | undefined>
  updateComment(id: number, body: string): Promise<unknown>
  listComments(issue: number): AsyncIterable<IssueComment>
  /** The repository's comments updated since `since`, latest update first, page by page. */
  listRepoComments(o: { since: string; perPage?: number }): AsyncIterable<IssueComment>
  updateCheckRun(id: number, req: CheckUpdate): Promise<unknown>
}

/** The check run as the renderer shows a report (src/report/check.ts). */
export interface RenderedCheck {
  status: 'in_progress' | 'completed'
  conclusion?: CheckConclusion
  title: string
  summary: string
}

export interface SyncRender {
  /** The comment body without the marker line, the hidden state line included, gated. */
  comment(report: Report): CommentBody
  check(report: Report): RenderedCheck
  /** The report from a comment's hidden state line; undefined when there is none or it is bad. */
  decode(body: string): Report | undefined
}

/** Tags bound for Devin pass the egress gate's screen like every other request text. */
export type ScreenTags = (tags: string[]) => Promise<ForDevin<string[]>>
