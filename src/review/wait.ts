/**
 * Follows a requested Devin Review until it is completed or errored, the budget runs out or the
 * workflow is cancelled, on the session wait's own loop (src/lifecycle/poll-loop.ts): the same
 * cadence, back-off and cancel rules, Retry-After honoured by the client, comment edits only on a
 * change and at most one per 10 s. A review has no messages to read: a poll is one GET.
 */
import type { Log } from '../hygiene/log.js'
import { abortableSleep, pollLoop, type Sleep } from '../lifecycle/poll-loop.js'
import { CommentThrottle, isTransient, type CancelSignal } from '../lifecycle/wait.js'
import { describeReview, knownReviewStatus, reviewResult, toReviewView } from '../state/review.js'
import type { RunState } from '../state/run-state.js'
import type { ReviewDevin } from './request.js'

export interface ReviewWaitDeps {
  state: RunState
  devin: Pick<ReviewDevin, 'getReview'>
  orgId: string
  settings: { pollIntervalSeconds: number; timeoutMinutes: number }
  /** Shows the run as it stands (the sticky comment and check run). */
  publish: () => Promise<void>
  log: Pick<Log, 'info' | 'warning'>
  /** Injectable for tests; default Date.now / real timers / Math.random. */
  clock?: () => number
  sleep?: Sleep
  random?: () => number
  cancel?: CancelSignal
  commentGapMs?: number
}

/** The review is not listed (404) right after it was accepted: worth another poll, not an end. */
class NotListed extends Error {
  override name = 'NotListed'
}

export async function waitForReview(deps: ReviewWaitDeps): Promise<void> {
  const { state, devin, orgId, log, settings } = deps
  const clock = deps.clock ?? Date.now
  const sleep = deps.sleep ?? abortableSleep
  const random = deps.random ?? Math.random
  const cancel = deps.cancel
  if (cancel?.signal.aborted) return await cancel.done
  const first = state.report.review
  if (!first || state.phase !== 'waiting') throw new Error('waitForReview needs a review to follow')
  const intervalMs = settings.pollIntervalSeconds * 1000
  const started = clock()
  const deadline = started + settings.timeoutMinutes * 60_000
  const comments = new CommentThrottle(deps.publish, clock, deps.commentGapMs)
  const warned = new Set<string>()
  let last = first.status

  const poll = async (): Promise<boolean> => {
    const got = await devin.getReview(orgId, first.prUrl, first.commitSha)
    if (!got) throw new NotListed('Devin Review does not list the review of this commit yet')
    const view = toReviewView(got, first.prUrl)
    state.reviewPolled(view)
    if (!knownReviewStatus(view.status) && !warned.has(view.status)) {
      warned.add(view.status)
      log.warning(`${describeReview(view.status)}, which this action does not know; still waiting.`)
    }
    if (view.status !== last) {
      state.event(`${view.status}: ${describeReview(view.status)}`)
      log.info(`Devin Review of ${view.commitSha.slice(0, 7)}: ${describeReview(view.status)}.`)
      comments.request()
      last = view.status
    }
    const result = reviewResult(view.status)
    if (result) state.ended(result)
    return result !== undefined
  }

  const end = await pollLoop({
    poll,
    failed: () => state.pollFailed(),
    transient: (err) => err instanceof NotListed || isTransient(err),
    lost: () =>
      state.ended(
        'error',
        'Lost track of the review while waiting; Devin Review may still post its findings.'
      ),
    what: 'Devin Review',
    ...{ intervalMs, started, deadline, comments, clock, sleep, random, log },
    signal: cancel?.signal ?? new AbortController().signal
  }).finally(() => comments.stop())
  if (end === 'cancelled' && cancel) return await cancel.done
  if (end === 'timeout') {
    const mins = settings.timeoutMinutes
    state.ended(
      'timeout',
      `Stopped waiting after ${mins} minute${mins === 1 ? '' : 's'} (timeout-minutes); Devin Review goes on and posts its findings on this pull request.`
    )
    state.event('stopped waiting (timeout)')
  }
}
