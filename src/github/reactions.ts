/** Reactions on the comment that triggered the run, so its author sees it was picked up. */
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { GitHubApi } from './client.js'

export type CommentRef = { id: number; kind: 'issue' | 'review' }

/**
 * 👀 when the handoff starts, 🚀 when Devin has it, 😕 when it failed; 👍 when there was nothing
 * to send (a review of a commit that has one).
 */
export type Reaction = 'eyes' | 'rocket' | 'confused' | '+1'

/** A reaction that fails is not worth a warning: it is logged for debugging and forgotten. */
export async function react(
  github: () => Promise<GitHubApi>,
  comment: CommentRef | undefined,
  content: Reaction,
  log: Pick<Log, 'debug'>
): Promise<void> {
  if (!comment) return
  try {
    await (await github()).react(comment.kind, comment.id, content)
  } catch (err) {
    log.debug(`Could not add the ${content} reaction: ${errorText(err)}`)
  }
}
