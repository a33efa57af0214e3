/** What is sent to Devin: the create-session body (with its title) and the follow-up message. */
import type { SessionCreateRequest } from '../devin/types.js'
import type { Screened } from '../handoff/prepare.js'
import type { Inputs } from '../run/inputs.js'

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim()
}

/** Built from the screened text only: the title is shown in Devin and echoed into the report. */
export function sessionTitle(screened: Screened): string {
  if (screened.title) return screened.title
  const { target } = screened
  const subject = target.pr ? target.pr.title : firstLine(screened.task)
  const where = target.pr
    ? `${target.slug}#${target.pr.number}`
    : `${target.slug}@${target.headRef || 'HEAD'}`
  const title = `${where}: ${subject}`
  // By code point, so that a character (an emoji) is never cut in two.
  const chars = Array.from(title)
  return chars.length > 100 ? `${chars.slice(0, 99).join('')}…` : title
}

export function createRequest(
  inputs: Inputs,
  screened: Screened,
  prompt: string,
  tags: string[]
): SessionCreateRequest {
  const body: SessionCreateRequest = {
    prompt,
    title: sessionTitle(screened),
    tags,
    repos: inputs.repos.length > 0 ? inputs.repos : [screened.target.slug]
  }
  // Only fields the user set are sent: an omitted field keeps Devin's own default.
  if (inputs.playbookId) body.playbook_id = inputs.playbookId
  if (inputs.knowledgeIds) body.knowledge_ids = inputs.knowledgeIds
  if (inputs.secretIds) body.secret_ids = inputs.secretIds
  if (inputs.maxAcuLimit !== undefined) body.max_acu_limit = inputs.maxAcuLimit
  if (inputs.structuredOutputSchema) body.structured_output_schema = inputs.structuredOutputSchema
  if (inputs.devinMode) body.devin_mode = inputs.devinMode
  return body
}

/** The follow-up message for a session that already has the earlier handoff. */
export function followUpMessage(prompt: string): string {
  return `A new handoff for the same pull request and key follows. It replaces the earlier task where they differ.\n\n${prompt}`
}

/** Where a triggering comment is on the PR's page (`#issuecomment-…`, `#discussion_r…`). */
export function commentUrl(
  prUrl: string,
  comment: { id: number; kind: 'issue' | 'review' }
): string {
  return `${prUrl}#${comment.kind === 'issue' ? 'issuecomment-' : 'discussion_r'}${comment.id}`
}

/**
 * An answer to the session's question, as the person wrote it after the trigger phrase: who
 * answered and where, so that Devin can reply on the PR. The text is the screened comment.
 */
export function answerMessage(o: { login?: string; where: string; text: string }): string {
  const who = o.login ? `@${o.login}` : 'Someone'
  return `${who} answered on the pull request (${o.where}):\n\n${o.text}`
}
