/** Run states as the stages receive them, for tests that start mid-run. */
import type { DevinSession } from '../../src/devin/types.ts'
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
