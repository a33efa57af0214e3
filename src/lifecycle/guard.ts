/**
 * The run's cancel guard, set up by the pipeline before its first network write, so that a
 * cancel at any instant ends the run true. On the first signal nothing new is sent (the start
 * and the waiting loop watch `signal`; the pipeline parks on `done`), and:
 *
 * - a run that had already ended has its final write let land: that report is the truth;
 * - otherwise a session start in flight is let settle so its session is named, and the run is
 *   finalized as cancelled by ./cancel.ts (the session stopped if asked and still working).
 *
 * What the post step needs if this process is killed first is saved before every step that
 * sends something: at once, before each start, and (the reporter's part) before the final write.
 */
import { failStep } from '../egress/step.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { StartWatch, Started, StopClient } from '../session/start.js'
import type { RunState } from '../state/run-state.js'
import { CANCEL_BUDGET, finalizeCancelled, withTimeout } from './cancel.js'
import { watchForCancel, type WatchOptions } from './signals.js'

/** Where the run is shown: the reporter, seen from here without depending on it. */
export interface GuardSurfaces {
  /** The final write; a second call while one is in flight waits for it. */
  finish(): Promise<void>
  saveState(final: boolean): void
}

export interface RunGuard extends StartWatch {
  /** A signal came: the guard owns the run's end now. */
  readonly fired: boolean
  /** Settles once the run was finalized and `exit` was called. */
  readonly done: Promise<void>
  /** Stops listening, unless a signal already came. */
  dispose(): void
}

export interface GuardOptions {
  state: RunState
  surfaces: GuardSurfaces
  stopOnCancel: boolean
  scrub: (text: string) => string
  log: Pick<Log, 'info' | 'warning'>
  /** Marks the step failed (default: the egress gate's `failStep`). */
  fail?: (message: string) => void
  /** Signal handling (tests pass an emitter and a fake exit). */
  watch?: WatchOptions
  budget?: typeof CANCEL_BUDGET
}

export function guardRun(o: GuardOptions): RunGuard {
  const { state, surfaces, log } = o
  const budget = o.budget ?? CANCEL_BUDGET
  const fail = o.fail ?? ((m: string) => failStep(m, o.scrub))
  let devin: StopClient | undefined
  let start: Promise<Started | undefined> | undefined

  const finalize = async (): Promise<void> => {
    if (state.phase === 'ended') {
      log.info('The run had ended before the cancel; writing out its report.')
      await withTimeout(surfaces.finish(), budget.finishMs, 'the final write').catch(
        (err: unknown) => log.warning(`${errorText(err)}; the post step will finalize the comment.`)
      )
      return
    }
    const note = await finalizeCancelled({
      state,
      stopOnCancel: o.stopOnCancel,
      devin,
      start: start && (() => start as Promise<Started | undefined>),
      finish: () => surfaces.finish(),
      save: () => surfaces.saveState(false),
      scrub: o.scrub,
      log,
      by: 'signal',
      budget
    })
    fail(note)
  }

  const watch = watchForCancel(finalize, log, { deadlineMs: budget.deadlineMs, ...o.watch })
  // Before anything is sent: a post step after a kill from here on has a run to finish.
  surfaces.saveState(false)
  return {
    signal: watch.signal,
    get fired() {
      return watch.signal.aborted
    },
    done: watch.done,
    dispose: () => watch.dispose(),
    sending(pending) {
      state.startSent(pending)
      surfaces.saveState(false)
    },
    starting(settled, client) {
      start = settled
      devin = client
      // Awaited by the pipeline, or by the cancel; never left unhandled by this copy.
      settled.catch(() => undefined)
    }
  }
}
