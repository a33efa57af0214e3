/** Run states as the stages receive them, for tests that start mid-run. */
import type { DevinSession, PrReview } from '../../src/devin/types.ts'
import { toReviewView } from '../../src/state/review.ts'
import { RunState, type HandoffSummary, type Report } from '../../src/state/run-state.ts'
import { toView } from '../../src/state/view.ts'

/** A handoff with nothing in it. */
export const EMPTY_HANDOFF: HandoffSummary = {
  promptBytes: 1,
  files: 0,
  source: 'none',
  truncated: false,
  omitted: 0,
  redactions: 0
}

/** A run that has packed its (empty) handoff and is about to start the session. */
export function packedState(
  o: {
    clock?: () => number
    slug?: string
    runUrl?: string
    commentKey?: string
    /** The PR and branch the run found, when it found one. */
    target?: { prNumber: number; headRef: string }
  } = {}
): RunState {
  const state = new RunState(
    { slug: o.slug ?? 'octo/repo', runUrl: o.runUrl ?? '', commentKey: o.commentKey ?? 'default' },
    o.clock
  )
  if (o.target) state.targetFound(o.target)
  state.packingBegan()
  state.packed(EMPTY_HANDOFF)
  return state
}

/** A run state already following a created session, as the waiting loop receives it. */

export function followingState(
  session: DevinSession,
  o: { orgId: string; clock?: () => number; slug?: string; runUrl?: string; commentKey?: string }
): RunState {
  const state = packedState(o)
  state.sessionStarted(toView(session), 'created', { orgId: o.orgId })
  state.waitingBegan()
  return state
}

/** A PR run's report after 12m 3s, for the renderers' tests; `over` adds the session and result. */
export function endedReport(over: Partial<Report> = {}): Report {
  return {
    phase: 'ended',
    slug: 'acme/app',
    prNumber: 12,
    startedAt: 0,
    updatedAt: 723_000,
    runUrl: 'https://github.com/acme/app/actions/runs/9',
    commentKey: 'default',
    timeline: [],
    attachments: [],
    ...over
  }
}

export const REVIEW_PR_URL = 'https://github.com/acme/app/pull/12'
export const REVIEW_SHA = 'c0ffee0000000000000000000000000000000001'

/** A Devin Review as Devin answers it. */
export function prReview(over: Partial<PrReview> = {}): PrReview {
  return {
    commit_sha: REVIEW_SHA,
    created_at: '2026-11-29T10:00:00Z',
    pr_number: 12,
    repo_path: 'github.com/acme/app',
    status: 'pending',
    raw: {},
    ...over
  }
}

/** A `mode: review` run about to ask Devin Review (decided, permission checked). */
export function reviewingState(o: { clock?: () => number; requestedBy?: string } = {}): RunState {
  const state = new RunState(
    { slug: 'acme/app', runUrl: '', commentKey: 'review', mode: 'review' },
    o.clock
  )
  state.targetFound({ prNumber: 12 })
  state.reviewBegan(o.requestedBy)
  return state
}

/** A review run following the review it asked for. */
export function followingReviewState(o: { clock?: () => number; status?: string } = {}): RunState {
  const state = reviewingState(o)
  state.reviewSent(REVIEW_PR_URL, REVIEW_SHA)
  state.reviewStarted(toReviewView(prReview({ status: o.status ?? 'pending' }), REVIEW_PR_URL), {
    recovered: false
  })
  state.waitingBegan()
  return state
}
