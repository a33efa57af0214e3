/** A run state already following a created session, as the waiting loop receives it. */
import type { DevinSession } from '../../src/devin/types.ts'
import { RunState } from '../../src/state/run-state.ts'
import { toView } from '../../src/state/view.ts'

export function followingState(
  session: DevinSession,
  o: { orgId: string; clock?: () => number; slug?: string; runUrl?: string; commentKey?: string }
): RunState {
  const state = new RunState(
    { slug: o.slug ?? 'octo/repo', runUrl: o.runUrl ?? '', commentKey: o.commentKey ?? 'default' },
    o.clock
  )
  state.packingBegan()
  state.packed({
    promptBytes: 0,
    files: 0,
    source: 'none',
    truncated: false,
    omitted: 0,
    redactions: 0
  })
  state.sessionStarted(toView(session), 'created', { orgId: o.orgId })
  state.waitingBegan()
  return state
}
