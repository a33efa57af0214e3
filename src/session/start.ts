/**
 * Turning a handoff into a Devin session: the tags that find it again, the title, the
 * create-session body, and the view of a session the report shows.
 */
import type { RunContext } from '../run/context.js'
import type { DevinSession, SessionCreateRequest } from '../devin/types.js'
import type { Inputs } from '../run/inputs.js'
import type { SessionView } from '../report/render.js'
import type { Target } from '../run/target.js'
import { isLive } from '../devin/status.js'

export const ACTION_TAG = 'github-action'

/** Identifies the PR (or branch) and comment key: what reuse and duplicate detection look up. */
export function threadTag(target: Target, key: string): string {
  const where = target.pr ? `#${target.pr.number}` : `@${target.headRef || 'HEAD'}`
  return `gh:${target.slug}${where}:${key}`
}

/** Unique to this run attempt and key, so an unknown create outcome can be checked before a resend. */
export function runTag(ctx: RunContext, key: string): string {
  return `gh-run:${ctx.owner}/${ctx.repo}:${ctx.runId || 'local'}.${ctx.runAttempt}:${key}`
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').trim()
}

export function sessionTitle(inputs: Inputs, target: Target): string {
  if (inputs.title) return inputs.title
  const subject = target.pr ? target.pr.title : firstLine(inputs.task)
  const where = target.pr
    ? `${target.slug}#${target.pr.number}`
    : `${target.slug}@${target.headRef || 'HEAD'}`
  const title = `${where}: ${subject}`
  return title.length > 100 ? `${title.slice(0, 99)}…` : title
}

export function sessionTags(inputs: Inputs, target: Target, ctx: RunContext): string[] {
  const own = [ACTION_TAG, threadTag(target, inputs.commentKey), runTag(ctx, inputs.commentKey)]
  return [...new Set([...own, ...inputs.tags])]
}

export function createRequest(
  inputs: Inputs,
  target: Target,
  prompt: string,
  tags: string[]
): SessionCreateRequest {
  const body: SessionCreateRequest = {
    prompt,
    title: sessionTitle(inputs, target),
    tags,
    repos: inputs.repos.length > 0 ? inputs.repos : [target.slug]
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

export function toView(s: DevinSession): SessionView {
  return {
    id: s.sessionId,
    // The docs say to use the returned URL; build one only if the server left it out.
    url: s.url ?? `https://app.devin.ai/sessions/${s.sessionId}`,
    status: s.status,
    detail: s.status_detail ?? '',
    title: s.title ?? undefined,
    acus: s.acus_consumed ?? undefined,
    pullRequests: s.pull_requests.map((p) => p.pr_url).filter((u) => u !== ''),
    structuredOutput: s.structured_output ?? undefined
  }
}

/** The follow-up message for a session that already has the earlier handoff. */
export function followUpMessage(prompt: string): string {
  return `A new handoff for the same pull request and key follows. It replaces the earlier task where they differ.\n\n${prompt}`
}

/** Newest first: the session a follow-up should go to when several are live. */
export function pickLive(sessions: DevinSession[]): DevinSession | undefined {
  const live = sessions.filter((s) => !s.is_archived && isLive(s.status, s.status_detail))
  return live.sort(
    (a, b) => (b.updated_at ?? b.created_at ?? 0) - (a.updated_at ?? a.created_at ?? 0)
  )[0]
}
