/** Following a started session: the "working" comment first, then the waiting loop. */
import * as path from 'node:path'
import type { DevinClient } from '../devin/client.js'
import type { RunnerLog } from '../egress/log.js'
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { RunState } from '../state/run-state.js'
import { waitForSession, type CancelSignal } from './wait.js'

/** Where the run is shown (the reporter, seen from here without depending on it). */
export interface Surfaces {
  publish(): Promise<void>
}

export async function follow(o: {
  state: RunState
  surfaces: Surfaces
  devin: DevinClient
  orgId: string
  inputs: Inputs
  ctx: RunContext
  scrub: (text: string) => string
  log: RunnerLog
  /** The run's cancel guard (./guard.ts), which finalizes a cancelled run itself. */
  cancel?: CancelSignal
}): Promise<void> {
  const { state, surfaces, inputs } = o
  state.waitingBegan()
  await surfaces.publish()
  await waitForSession({
    state,
    devin: o.devin,
    orgId: o.orgId,
    settings: {
      pollIntervalSeconds: inputs.pollIntervalSeconds,
      timeoutMinutes: inputs.timeoutMinutes,
      attachmentsDir: inputs.attachmentsPath
        ? path.resolve(o.ctx.workspace, inputs.attachmentsPath)
        : undefined,
      workspace: o.ctx.workspace
    },
    publish: () => surfaces.publish(),
    print: (title, body) => o.log.block(title, body),
    scrub: o.scrub,
    log: o.log,
    cancel: o.cancel
  })
}
