/**
 * `mode: review` once the run is decided (src/main.ts): the permission check, then Devin Review
 * asked for this head commit unless it has a review already, then (with `wait`) followed until
 * it is done. The report goes where a handoff's does (src/report/), and a cancel at any instant
 * is finished by the run's guard as for a handoff.
 */
import type { Credentials } from '../credentials/read.js'
import { createDevinClient } from '../devin/factory.js'
import type { RunnerLog } from '../egress/log.js'
import type { GitHubApi } from '../github/client.js'
import { react } from '../github/reactions.js'
import type { RunGuard } from '../lifecycle/guard.js'
import type { Reporter } from '../report/reporter.js'
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { Target } from '../run/target.js'
import type { Trigger } from '../run/trigger.js'
import { permissionRefusal } from '../run/trust.js'
import { prUrlOf, requestReview } from './request.js'
import { waitForReview } from './wait.js'

export interface ReviewRun {
  inputs: Inputs
  ctx: RunContext
  target: Target
  trigger: Trigger
  github: () => Promise<GitHubApi>
  credentials: Credentials
  reporter: Reporter
  cancel: RunGuard
  log: RunnerLog
}

/** What a dry run prints: the request that would go, and the question asked before it. */
function wouldAsk(orgId: string, prUrl: string, headSha: string): string {
  const org = orgId || '{org_id}'
  return [
    `GET /v3/organizations/${org}/pr-reviews?pr_url=…&commit_sha=${headSha}`,
    '  a review of this commit that did not error: nothing is sent; otherwise:',
    `POST /v3/organizations/${org}/pr-reviews`,
    JSON.stringify({ pr_url: prUrl }, null, 2)
  ].join('\n')
}

export async function runReview(o: ReviewRun): Promise<void> {
  const { inputs, ctx, target, trigger, reporter, log } = o
  const { state } = reporter
  state.reviewBegan(trigger.comment?.by)
  const refused = await permissionRefusal(ctx, inputs.requirePermission, o.github)
  if (refused) return await reporter.skip(refused)
  const prUrl = prUrlOf(ctx, target)
  if (inputs.dryRun) {
    const request = wouldAsk(inputs.orgId, prUrl, target.headSha)
    return await reporter.dryRun({ prompt: request, bytes: Buffer.byteLength(request) })
  }
  if (inputs.statusCheck === 'true' && !inputs.wait && inputs.comment === 'false')
    log.notice(
      "status-check is 'true' without 'wait' and without a comment: a mode: sync run finds a review's check run through its comment, so this one stays in progress."
    )
  await react(o.github, trigger.comment, 'eyes', log)
  try {
    const devin = createDevinClient(o.credentials, { apiUrl: inputs.apiUrl, log })
    try {
      const orgId = await devin.resolveOrgId(inputs.orgId)
      const skip = await requestReview({
        ...{ devin, orgId, state, prUrl, headSha: target.headSha, log },
        secretScan: inputs.secretScan,
        signal: o.cancel.signal,
        save: () => reporter.saveState(false)
      })
      await react(o.github, trigger.comment, skip === undefined ? 'rocket' : '+1', log)
      if (skip !== undefined) return await reporter.skip(skip)
      log.info(`Devin Review requested for ${prUrl}.`)
      // The check run goes on the commit Devin reviews: the head may have moved since the event.
      const reviewed = state.report.review?.commitSha ?? ''
      const headSha = /^[0-9a-f]{40}$/i.test(reviewed) ? reviewed : target.headSha
      await reporter.showOn(o.github, inputs, { ...target, headSha })
      if (inputs.wait) {
        state.waitingBegan()
        await reporter.publish()
        const { pollIntervalSeconds, timeoutMinutes } = inputs
        await waitForReview({
          ...{ state, devin, orgId, log, cancel: o.cancel },
          settings: { pollIntervalSeconds, timeoutMinutes },
          publish: () => reporter.publish()
        })
      } else state.endedAsStarted()
      await reporter.finish()
    } finally {
      await devin.close()
    }
    reporter.failIfAsked(inputs.failOn)
  } catch (err) {
    if (!o.cancel.fired) await react(o.github, trigger.comment, 'confused', log)
    throw err
  }
}
