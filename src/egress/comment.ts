/**
 * The comment sink: a PR comment (and a check run's text) is Markdown rendered under the bot's
 * name. The body must come from the report renderer, which builds every untrusted part with
 * ./markdown.ts; here it loses any credential and is cut, without splitting a character, to leave
 * room for the sticky comment's marker within GitHub's 65,536-character limit. The GitHub edge
 * posts only a `CommentBody`, so nothing reaches a comment around this.
 */
import { scrubCredentialShapes } from '../hygiene/scrub.js'
import { capUnits } from './caps.js'

declare const gated: unique symbol
export type CommentBody = string & { readonly [gated]: 'comment' }

/** GitHub refuses bodies above 65,536 characters. */
export const MAX_COMMENT_CHARS = 65_536
/** The marker (`<!-- devin-handoff:<key of up to 64> -->`) and its line break fit in this. */
export const MARKER_ROOM = 100

const CUT = '\n\n_…the rest of this comment was cut to fit GitHub’s size limit._\n'

export function commentBody(markdown: string, scrub: (text: string) => string): CommentBody {
  const clean = scrubCredentialShapes(scrub(markdown))
  return capUnits(clean, MAX_COMMENT_CHARS - MARKER_ROOM, CUT) as CommentBody
}
