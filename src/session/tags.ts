/** The tags that find a session again: for reuse, and for settling an unknown create outcome. */
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { Target } from '../run/target.js'
import { liveTag, prTag, repoTag } from '../state/tracking.js'

export const ACTION_TAG = 'github-action'

/**
 * Identifies the PR (or branch) and comment key: what reuse and duplicate detection look up.
 * `target` is the screened one (see `Screened` in src/handoff/prepare.ts): tags are shown in
 * Devin, so a credential in a branch name must not reach them.
 */
export function threadTag(target: Target, key: string): string {
  const where = target.pr ? `#${target.pr.number}` : `@${target.headRef || 'HEAD'}`
  return `gh:${target.slug}${where}:${key}`
}

/** Unique to this run attempt and key, so an unknown create outcome can be checked before a resend. */
export function runTag(ctx: RunContext, key: string): string {
  return `gh-run:${ctx.owner}/${ctx.repo}:${ctx.runId || 'local'}.${ctx.runAttempt}:${key}`
}

/**
 * One session per failing commit and workflow (of one PR: the commit is its head): a re-run of
 * the same failing workflow on the same commit finds the session this tag names and creates
 * none. Only the commit and the workflow's file name, so it is the same on every run.
 */
export function ciTag(target: Target): string | undefined {
  const ci = target.ci
  if (!ci) return undefined
  const workflow = (ci.path.split('/').pop() ?? '').replace(/\.ya?ml$/, '') || ci.name
  return `gh-ci:${target.slug}@${ci.headSha.slice(0, 12)}:${workflow}`
}

/**
 * The action's tags, then the user's. The exact repository and PR tags let `mode: sync` and
 * budgets list sessions with the API's tag filter; `shown`: a comment or check run will show the
 * session, so it joins the repository's live index that `mode: sync` reads (src/state/tracking.ts).
 */
export function sessionTags(
  inputs: Inputs,
  target: Target,
  ctx: RunContext,
  o: { shown?: boolean } = {}
): string[] {
  const slug = `${ctx.owner}/${ctx.repo}`
  const own = [ACTION_TAG, threadTag(target, inputs.commentKey), runTag(ctx, inputs.commentKey)]
  own.push(repoTag(slug))
  if (target.pr) own.push(prTag(slug, target.pr.number))
  const ci = ciTag(target)
  if (ci) own.push(ci)
  if (o.shown) own.push(liveTag(slug))
  return [...new Set([...own, ...inputs.tags])]
}

/**
 * The action's own tags of a PR and key, for a session it did not create but now hands off to
 * (the one a PR Devin opened links): from then on it is this thread's session like any other.
 */
export function adoptionTags(target: Target, key: string): string[] {
  const tags = [ACTION_TAG, threadTag(target, key), repoTag(target.slug)]
  if (target.pr) tags.push(prTag(target.slug, target.pr.number))
  return tags
}
