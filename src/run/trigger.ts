/**
 * Comment triggers: with a trigger phrase, only comments that start with it hand off, and the
 * rest of the comment becomes part of the task. `<phrase> new …` asks for a fresh session.
 */
import type { RunContext } from './context.js'

export interface Trigger {
  skip?: string
  /** Comment text to add to the task (already without the phrase). */
  extraTask?: string
  /** The comment asked for a new session even when reuse is on. */
  forceNew: boolean
  /** The triggering comment, for reactions, and its author (who asked, in the report). */
  comment?: { id: number; kind: 'issue' | 'review'; by?: string }
}

const COMMENT_EVENTS: Record<string, 'issue' | 'review'> = {
  issue_comment: 'issue',
  pull_request_review_comment: 'review'
}

/** Pure: does `body` start with `phrase` as a whole word? Returns the rest, or undefined. */
export function afterPhrase(body: string, phrase: string): string | undefined {
  const text = body.trimStart()
  if (!text.toLowerCase().startsWith(phrase.toLowerCase())) return undefined
  const rest = text.slice(phrase.length)
  if (rest !== '' && !/^\s/.test(rest)) return undefined
  return rest.trim()
}

export function triggerOf(ctx: RunContext, phrase: string): Trigger {
  const kind = COMMENT_EVENTS[ctx.eventName]
  const comment = ctx.payload.comment
  if (!kind || !comment) return { forceNew: false }
  const by = comment.user?.login || undefined
  const ref = typeof comment.id === 'number' ? { id: comment.id, kind, by } : undefined
  const action = ctx.payload.action
  if (action && action !== 'created') {
    return { skip: `the comment was ${action}, not created`, forceNew: false }
  }
  const body = comment.body ?? ''
  if (!phrase) return { extraTask: body.trim() || undefined, forceNew: false, comment: ref }
  const rest = afterPhrase(body, phrase)
  if (rest === undefined)
    return { skip: `the comment does not start with '${phrase}'`, forceNew: false }
  const forceNew = /^new(\s|$)/i.test(rest)
  const extra = forceNew ? rest.slice(3).trim() : rest
  return { extraTask: extra || undefined, forceNew, comment: ref }
}
