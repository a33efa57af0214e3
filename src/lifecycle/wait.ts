/**
 * Follows a started session until Devin stops, the budget runs out or the workflow is cancelled.
 *
 * Costs are bounded on both sides, and so is lateness. Polls keep a fixed cadence, one interval
 * apart plus a little jitter (only the last is pulled in to the deadline); each is one session
 * GET, then one page of messages from the last cursor. So there are at most 2 Devin requests per
 * interval (≤ 240 per session-hour at 30 s), and a message the API lists, like the end of the
 * session, is in the log within one interval + 0.5 s and the request's own time (bar those past a
 * 200-message page boundary, which come a poll later: ./messages.ts). Messages are read on every
 * poll, not only when `updated_at` moves: the API does not document that a new message moves it,
 * and in whole seconds it could not show one written in the same second as the last read.
 * Comment edits go out only on a change and at most one per 10 s.
 */
import type { DevinClient, DevinSession } from '../devin/client.js'
import { DevinApiError, DevinMalformedResponseError, DevinNetworkError } from '../devin/errors.js'
import { classify, describeStatus, BLOCKING_SUSPEND_REASONS } from '../devin/status.js'
import { screenDevinMessages } from '../egress/words.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { RunState } from '../state/run-state.js'
import { toView } from '../state/view.js'
import { downloadAttachments } from './attachments.js'
import { MessageStream } from './messages.js'
import { CommentThrottle } from './throttle.js'

import { abortableSleep, pollLoop, type LoopEnd, type Sleep } from './poll-loop.js'

export { COMMENT_GAP_MS, CommentThrottle } from './throttle.js'
export {
  abortableSleep,
  failureDelay,
  MAX_CONSECUTIVE_FAILURES,
  pollDelay,
  type Sleep
} from './poll-loop.js'
export { MessageStream, messageTitle } from './messages.js'

export interface FollowSettings {
  pollIntervalSeconds: number
  timeoutMinutes: number
  /** Absolute directory for the session's attachments; none when not wanted. */
  attachmentsDir?: string
  /** Attachment paths are reported relative to this. */
  workspace: string
}

export interface WaitDeps {
  state: RunState
  devin: DevinClient
  orgId: string
  settings: FollowSettings
  /** Shows the run as it stands (the sticky comment). */
  publish: () => Promise<void>
  scrub: (text: string) => string
  log: Log
  /** Injectable for tests and the bench; default Date.now / real timers / Math.random. */
  clock?: () => number
  sleep?: Sleep
  random?: () => number
  /** Prints one Devin message as a collapsible log group (the log gate's `block`). */
  print: (title: string, body: string) => void
  /** The run's cancel guard (./guard.ts): on its signal the loop stops and parks on `done`. */
  cancel?: CancelSignal
  maxConsecutiveFailures?: number
  commentGapMs?: number
}

/** What the loop needs of the cancel guard, which finalizes the run itself. */
export interface CancelSignal {
  readonly signal: AbortSignal
  readonly done: Promise<void>
}

/** Without a guard nothing cancels the wait. */
const NEVER_CANCELLED: CancelSignal = {
  signal: new AbortController().signal,
  done: new Promise<void>(() => undefined)
}

/** Failures worth another poll: the client already retried these, but the session lives on. */
export function isTransient(err: unknown): boolean {
  if (err instanceof DevinNetworkError || err instanceof DevinMalformedResponseError) return true
  if (err instanceof DevinApiError)
    return err.status === 408 || err.status === 429 || err.status >= 500
  return false
}

export function endNote(status: string, detail: string): string | undefined {
  if (status === 'suspended') {
    const why = describeStatus(status, detail)
    return BLOCKING_SUSPEND_REASONS.has(detail)
      ? `Devin ${why}. Someone has to resolve that in Devin before the session can continue.`
      : `Devin ${why}; sending the session a message wakes it up.`
  }
  if (detail === 'waiting_for_user')
    return 'Devin is waiting for a reply: answer in the Devin session.'
  if (detail === 'waiting_for_approval')
    return 'Devin is waiting for an approval in the Devin session.'
  if (status === 'error') return 'Devin reported an error; the session has the details.'
  return undefined
}

export async function waitForSession(deps: WaitDeps): Promise<void> {
  const { state, devin, orgId, log, settings } = deps
  const clock = deps.clock ?? Date.now
  const sleep = deps.sleep ?? abortableSleep
  const random = deps.random ?? Math.random
  const cancel = deps.cancel ?? NEVER_CANCELLED
  // Cancelled before the loop began (during the first comment write): the guard owns the run.
  if (cancel.signal.aborted) return await cancel.done
  const first = state.session
  if (!first || state.phase !== 'waiting')
    throw new Error('waitForSession needs a session to follow')
  const intervalMs = settings.pollIntervalSeconds * 1000
  const budgetMs = settings.timeoutMinutes * 60_000
  const started = clock()
  const deadline = started + budgetMs
  const comments = new CommentThrottle(deps.publish, clock, deps.commentGapMs)
  const messages = new MessageStream({
    devin,
    orgId,
    sessionId: first.id,
    print: deps.print,
    log,
    scrub: deps.scrub,
    screen: (texts) => screenDevinMessages(texts, log)
  })
  const warned = new Set<string>()
  let lastKey = `${first.status}/${first.detail}`
  let prCount = first.pullRequests.length

  /** Takes in one poll's answer; true when Devin has stopped. */
  const observe = (s: DevinSession): boolean => {
    const view = toView(s)
    state.polled(view)
    const c = classify(view.status, view.detail)
    if (!c.known) {
      // Once per value: an unknown status, or an unknown detail of a known status.
      const statusKnown = classify(view.status, '').known
      const what = statusKnown
        ? `status_detail '${view.detail}' (status '${view.status}')`
        : `status '${view.status}'`
      if (!warned.has(what)) {
        warned.add(what)
        const then = c.stopped ? 'treating the session as stopped' : 'still waiting'
        log.warning(`Devin reported ${what}, which this action does not know; ${then}.`)
      }
    }
    const key = `${view.status}/${view.detail}`
    if (key !== lastKey) {
      const text = `${view.status}${view.detail ? `/${view.detail}` : ''}: ${describeStatus(view.status, view.detail)}`
      state.event(text)
      log.info(`Devin session ${view.id} is ${text}`)
      comments.request()
      lastKey = key
    }
    if (view.pullRequests.length > prCount) {
      for (const url of view.pullRequests.slice(prCount)) state.event(`opened ${url}`)
      prCount = view.pullRequests.length
      comments.request()
    }
    if (!c.stopped) return false
    state.ended(c.result ?? 'finished', endNote(view.status, view.detail))
    return true
  }

  const loop = (): Promise<LoopEnd> =>
    pollLoop({
      poll: async () => observe(await devin.getSession(orgId, first.id)),
      // Devin's messages are read on every poll; the end of the wait reads all that is left.
      between: () => messages.read(),
      failed: () => state.pollFailed(),
      transient: isTransient,
      lost: () =>
        state.ended(
          'error',
          'Lost track of the Devin session while waiting; it may still be running.'
        ),
      what: 'the Devin session',
      ...{ intervalMs, started, deadline, comments, clock, sleep, random, log },
      signal: cancel.signal,
      maxFailures: deps.maxConsecutiveFailures
    })

  let end: LoopEnd
  try {
    end = await loop()
  } catch (err) {
    await comments.stop()
    throw err
  }
  // The guard owns the run now; it exits the process when done.
  if (end === 'cancelled') return await cancel.done
  if (end === 'stopped') await messages.drain()
  await comments.stop()
  if (end === 'timeout') {
    const mins = settings.timeoutMinutes
    state.ended(
      'timeout',
      `Stopped waiting after ${mins} minute${mins === 1 ? '' : 's'} (timeout-minutes); the Devin session keeps running.`
    )
    state.event('stopped waiting (timeout)')
    await messages.drain()
  } else {
    const s = state.session
    log.info(
      `Devin stopped: ${describeStatus(s?.status ?? '', s?.detail)} (result ${state.report.result}).`
    )
  }
  // The comment shows Devin's question or closing words; the `last-message` output carries them.
  if (messages.last !== undefined) state.said(messages.last)
  if (settings.attachmentsDir) await fetchAttachments(deps, settings.attachmentsDir, first.id)
  if (cancel.signal.aborted) await cancel.done
}

async function fetchAttachments(deps: WaitDeps, dir: string, sessionId: string): Promise<void> {
  const { state, devin, orgId, log, settings } = deps
  try {
    const { files } = await downloadAttachments({
      devin,
      orgId,
      sessionId,
      dir,
      relativeTo: settings.workspace,
      log
    })
    state.attachmentsSaved(files)
  } catch (err) {
    // Listing, or the folder refused (outside the workspace): the error says which.
    log.warning(`Could not save the session's attachments: ${errorText(err)}`)
  }
}
