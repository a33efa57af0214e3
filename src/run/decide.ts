/**
 * Deciding what to do: the target (repository, branch, PR), the comment trigger, and the checks
 * that need no API call (forks, bots, the key). The permission check runs later, beside packing.
 */
import type { GitHubApi } from '../github/client.js'
import type { Log } from '../hygiene/log.js'
import type { RunContext } from './context.js'
import { InputError, type Inputs } from './inputs.js'
import { isSkip, resolveTarget, type Target } from './target.js'
import { triggerOf, type Trigger } from './trigger.js'
import { loopSkipReason, staticSkipReason } from './trust.js'

/** Go on with a target and a trigger, or skip (with the target when one was found). */
export type Decision =
  { skip?: undefined; target: Target; trigger: Trigger } | { skip: string; target?: Target }

export async function decide(
  ctx: RunContext,
  inputs: Inputs,
  hasKey: boolean,
  github: () => Promise<GitHubApi>,
  log: Pick<Log, 'warning'>
): Promise<Decision> {
  const loop = loopSkipReason(ctx) // first: a loop must cost no API call
  if (loop) return { skip: loop }
  const target = await resolveTarget(
    ctx,
    { baseRef: inputs.baseRef, prNumber: inputs.prNumber },
    async (n) => (await github()).getPull(n),
    async (sha) => (await github()).pullsForCommit(sha)
  )
  if (isSkip(target)) return { skip: target.skip }
  if (inputs.comment === 'true' && !target.pr) {
    throw new InputError(
      'comment',
      "is 'true' but no pull request is in context; set 'pr-number' or use 'auto'"
    )
  }
  if (inputs.mode === 'review' && !target.pr) {
    throw new InputError(
      'mode',
      "'review' needs a pull request: run it on a pull_request event or a comment on a PR, or set 'pr-number'"
    )
  }
  const trigger = triggerOf(ctx, inputs.triggerPhrase)
  if (trigger.skip) return { target, skip: trigger.skip }
  const skip = staticSkipReason(ctx, target, inputs, hasKey, log)
  return skip ? { target, skip } : { target, trigger }
}

/** The sticky comment is written when a PR is in context, unless turned off or a dry run. */
export function wantsComment(inputs: Inputs, target: Target): boolean {
  return !inputs.dryRun && inputs.comment !== 'false' && target.pr !== undefined
}

/**
 * A check run shows the session when asked (`true`), or by default while the step follows it:
 * without a wait and without a sync it would stay "in progress" for good.
 */
export function wantsCheck(inputs: Inputs, target: Target): boolean {
  if (inputs.dryRun || inputs.statusCheck === 'false' || target.headSha === '') return false
  return inputs.statusCheck === 'true' || inputs.wait
}
