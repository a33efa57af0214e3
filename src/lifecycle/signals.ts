/**
 * Signals. When a workflow is cancelled the runner sends SIGINT, then SIGTERM 7.5 s later, then
 * kills the process. The first signal finalizes the run (./cancel.ts) under a hard deadline that
 * ends well inside that window. Later signals are swallowed so a second finalization never
 * starts and Node's default handler never kills the first one halfway.
 */
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import { CANCEL_BUDGET } from './cancel.js'

export const CANCEL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
}

export interface CancelWatch {
  /** Aborted on the first signal: the waiting loop stops sleeping and stops writing. */
  readonly signal: AbortSignal
  /** Settles once finalization has ended and `exit` was called. */
  readonly done: Promise<void>
  /** Stops listening, unless a signal already came (then later ones must still be swallowed). */
  dispose(): void
}

export interface WatchOptions {
  source?: SignalSource
  exit?: (code: number) => void
  deadlineMs?: number
}

export function watchForCancel(
  finalize: (signal: NodeJS.Signals) => Promise<void>,
  log: Pick<Log, 'info' | 'warning'>,
  opts: WatchOptions = {}
): CancelWatch {
  const source = opts.source ?? process
  const exit = opts.exit ?? ((code: number) => process.exit(code))
  const ac = new AbortController()
  let resolveDone: () => void = () => undefined
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  let ended = false
  const end = (): void => {
    if (ended) return
    ended = true
    exit(1)
    resolveDone()
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (ac.signal.aborted) {
      log.info(`Received ${signal} again; still finalizing the cancelled run.`)
      return
    }
    ac.abort()
    log.info(`Received ${signal}: the workflow is being cancelled; finalizing the Devin handoff.`)
    const deadline = opts.deadlineMs ?? CANCEL_BUDGET.deadlineMs
    const hard = setTimeout(() => {
      log.warning(`Finalizing took longer than ${deadline} ms; exiting without waiting for it.`)
      end()
    }, deadline)
    finalize(signal)
      .catch((err: unknown) =>
        log.warning(`Finalizing the cancelled run failed: ${errorText(err)}`)
      )
      .finally(() => {
        clearTimeout(hard)
        end()
      })
  }
  for (const s of CANCEL_SIGNALS) source.on(s, onSignal)
  return {
    signal: ac.signal,
    done,
    dispose() {
      if (ac.signal.aborted) return
      for (const s of CANCEL_SIGNALS) source.off(s, onSignal)
    }
  }
}
