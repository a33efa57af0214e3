/**
 * Starting the session: with `reuse-session`, the live session of this PR and key gets the
 * handoff as a message; otherwise (or when there is none) a new session is created, with an
 * unknown create outcome settled by the client before any resend. A message whose outcome is
 * unknown keeps the live session: it may well have arrived, and a second session would split
 * the work. Once the workflow is being cancelled nothing more is sent, and a start in flight is
 * handed to the cancel (src/lifecycle/guard.ts) so that the session it makes is named. Before
 * anything is sent, the PR's budgets are checked (./budget.ts): a budget reached ends the run as
 * a skip, told by the reporter, and the start settles with no session.
 */
import type { DevinClient } from '../devin/client.js'
import {
  DevinApiError,
  DevinMalformedResponseError,
  DevinNetworkError,
  isUnknownOutcome
} from '../devin/errors.js'
import type { DevinSession } from '../devin/types.js'
import { isLive } from '../devin/status.js'
import { screenForDevin, type ForDevin } from '../egress/devin.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { Handoff } from '../handoff/prepare.js'
import type { Trigger } from '../run/trigger.js'
import type { PendingStart } from '../state/run-state.js'
import { toView } from '../state/view.js'
import { budgetReader, overBudget, type Spending } from './budget.js'
import { unconfirmedNote } from './notes.js'
import { createRequest, followUpMessage } from './request.js'
import { ciTag, runTag, sessionTags, threadTag } from './tags.js'

export interface Started {
  session: DevinSession
  how: 'created' | 'reused'
  /** Bytes really sent when that was not the prompt itself (the follow-up message). */
  promptBytes?: number
  /** What the run should say about the start (a follow-up whose delivery is unconfirmed). */
  note?: string
}

/** Why a message's outcome is unknown, in words of our own (no server text goes into the note). */
function whyUnknown(err: Error): string {
  if (err instanceof DevinNetworkError)
    return err.timedOut ? 'no answer came in time' : 'the connection failed before the answer'
  if (err instanceof DevinMalformedResponseError) return 'its answer could not be read'
  if (err instanceof DevinApiError) return `the answer was ${err.status}`
  return 'the answer was lost'
}

/** The session client a cancel may need: to read, stop, or find the session of a start. */
export type StopClient = Pick<DevinClient, 'terminateSession' | 'getSession' | 'findSessionsByTags'>

/** What a cancel needs of a start (src/lifecycle/guard.ts): to stop it sending, to wait for it. */
export interface StartWatch {
  /** Aborted once the workflow is being cancelled: from then on nothing is sent. */
  readonly signal: AbortSignal
  /** The handoff is about to be sent: a create, or a message to the live `session`. */
  sending(pending: PendingStart): void
  /** How the start ends (undefined: a budget stopped it), and the client it talks through. */
  starting(settled: Promise<Started | undefined>, devin: StopClient): void
}

/** Where a budget reached is told: the run ends as a skip (src/report/reporter.ts). */
export interface BudgetReporter {
  budgetReached(reason: string): Promise<void>
}

/** The workflow is being cancelled: the start stops where it is and sends nothing more. */
export class CancelledError extends Error {
  override name = 'CancelledError'
  constructor() {
    super('the workflow is being cancelled; nothing more is sent to Devin')
  }
}

/** Newest first: the session a follow-up should go to when several are live. */
export function pickLive(sessions: DevinSession[]): DevinSession | undefined {
  const live = sessions.filter((s) => !s.is_archived && isLive(s.status, s.status_detail))
  return live.sort(
    (a, b) => (b.updated_at ?? b.created_at ?? 0) - (a.updated_at ?? a.created_at ?? 0)
  )[0]
}

/**
 * Sends `message` to the live session tagged `tag`, which also wakes a suspended one. A session
 * that is gone by the time the message arrives (404/400/409) means a new one is created instead;
 * an answer that never came or cannot be trusted (5xx, dropped, timed out) keeps the live session
 * with a note, since the message may have arrived. `beforeSend` runs just before the message goes.
 */
export async function reuse(
  devin: Pick<DevinClient, 'findSessionsByTags' | 'sendMessage' | 'getSession'>,
  orgId: string,
  tag: string,
  message: ForDevin<string>,
  log: Pick<Log, 'info' | 'warning'>,
  beforeSend: (live: DevinSession) => void = () => undefined
): Promise<{ session: DevinSession; note?: string } | undefined> {
  const live = pickLive(await devin.findSessionsByTags(orgId, [tag]))
  if (!live) {
    log.info(`No live Devin session tagged ${tag}; creating a new one`)
    return undefined
  }
  beforeSend(live)
  let answer: DevinSession | undefined
  try {
    answer = await devin.sendMessage(orgId, live.sessionId, message)
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status === 404 || status === 400 || status === 409) {
      log.info(
        `Session ${live.sessionId} can no longer take messages (${status}); creating a new one`
      )
      return undefined
    }
    if (!isUnknownOutcome(err)) throw err
    log.warning(
      `Sending the handoff to the running session ${live.sessionId} may or may not have worked ` +
        `(${errorText(err)}); keeping that session rather than starting a second one.`
    )
    return { session: live, note: unconfirmedNote(whyUnknown(err)) }
  }
  log.info(`Sent the handoff to the running session ${live.sessionId}`)
  return { session: answer ?? (await devin.getSession(orgId, live.sessionId)) }
}

interface StartOptions {
  devin: Pick<DevinClient, 'sendMessage' | 'createSession' | 'uploadAttachment'> & StopClient
  orgId: string
  inputs: Inputs
  ctx: RunContext
  /** The prompt, and the screened target and text the session is named and tagged from. */
  handoff: Pick<Handoff, 'prompt' | 'screened' | 'ci'>
  /** A comment that says `<phrase> new` asks for a new session even with `reuse-session`. */
  trigger: Pick<Trigger, 'forceNew'>
  log: Pick<Log, 'info' | 'warning'>
  /** The run's cancel guard; without one, nothing watches the start. */
  watch?: StartWatch
  /** A comment or check run will show the session: it is tagged for `mode: sync`. */
  shown?: boolean
  /** Told when a budget stops the start; without one, the reason is only logged. */
  reporter?: BudgetReporter
}

/**
 * Starts the session, or settles with undefined when a budget stopped it (the reporter has then
 * ended the run as a skip). Under a cancel the start rejects with CancelledError and the guard,
 * which was handed the start, names its session: the pipeline must not record it a second time.
 */
export function startSession(o: StartOptions): Promise<Started | undefined> {
  const settled = begin(o)
  o.watch?.starting(settled, o.devin)
  return settled.then((started) => {
    if (o.watch?.signal.aborted) throw new CancelledError()
    return started
  })
}

/**
 * True when `spending` would go past a budget: the reporter is told, and nothing is sent. A
 * budget reached while the workflow is being cancelled is the cancel's to tell.
 */
function budgetStop(o: StartOptions): (spending: Spending) => Promise<boolean> {
  const spent = budgetReader(o.devin, {
    orgId: o.orgId,
    slug: `${o.ctx.owner}/${o.ctx.repo}`,
    pr: o.handoff.screened.target.pr?.number,
    budgets: o.inputs
  })
  return async (spending) => {
    const so = await spent()
    const reason = so && overBudget(so, o.inputs, spending)
    if (reason === undefined) return false
    await stopStart(o, reason)
    return true
  }
}

/** Nothing is sent: the reporter ends the run as a skip (a cancel's end is the guard's to tell). */
async function stopStart(o: StartOptions, reason: string): Promise<void> {
  if (o.watch?.signal.aborted) throw new CancelledError()
  if (o.reporter) await o.reporter.budgetReached(reason)
  else o.log.warning(`Devin handoff skipped: ${reason}`)
}

/** A re-run of a failing workflow on the same commit: the session that has it, if any. */
async function ciTaken(o: StartOptions): Promise<string | undefined> {
  const tag = ciTag(o.handoff.screened.target)
  if (!tag) return undefined
  const found = await o.devin.findSessionsByTags(o.orgId, [tag])
  const first = found[0]
  return first && `already handed off: Devin session ${first.sessionId} has this failure (${tag})`
}

/** The CI logs go up first; their URLs ride on the create request. */
async function uploadCiLogs(o: StartOptions): Promise<string[] | undefined> {
  const files = o.handoff.ci?.files ?? []
  if (files.length === 0) return undefined
  const urls: string[] = []
  for (const f of files) {
    if (o.watch?.signal.aborted) throw new CancelledError()
    const up = await o.devin.uploadAttachment(o.orgId, f, { signal: o.watch?.signal })
    urls.push(up.url)
  }
  o.log.info(`Attached ${urls.length} CI log file${urls.length === 1 ? '' : 's'}.`)
  return urls
}

async function begin(o: StartOptions): Promise<Started | undefined> {
  const { devin, orgId, inputs, ctx, watch } = o
  const { prompt, screened } = o.handoff
  const tag = runTag(ctx, inputs.commentKey)
  const stopped = budgetStop(o)
  // Every field sent, not just the prompt, passes the secret screen (a title or tag built from
  // a PR title or branch could carry a credential). The thread tag is built from the screened
  // target before that, so the tag a reuse looks up is the tag the session was created with.
  const screen = async <T>(v: T): Promise<ForDevin<T>> =>
    (await screenForDevin(v, { mode: inputs.secretScan, log: o.log })).value
  const sending = (live?: DevinSession): void => {
    if (watch?.signal.aborted) throw new CancelledError()
    watch?.sending({ orgId, runTag: tag, session: live && toView(live) })
  }
  const taken = await ciTaken(o)
  if (taken) return void (await stopStart(o, taken))
  // A CI failure gets a session of its own, with its logs attached (a message carries none).
  if (inputs.reuseSession && !o.trigger.forceNew && !o.handoff.ci) {
    // Only `max-acus-per-pr` stops a message; it stops a create too, so one check serves both.
    if (await stopped('message')) return undefined
    const message = await screen(followUpMessage(prompt))
    const thread = threadTag(screened.target, inputs.commentKey)
    const reused = await reuse(devin, orgId, thread, message, o.log, sending)
    if (reused) return { ...reused, how: 'reused', promptBytes: Buffer.byteLength(message) }
  }
  if (await stopped('create')) return undefined
  const tags = sessionTags(inputs, screened.target, ctx, { shown: o.shown })
  // Screened before anything goes: a request the screen refuses sends no log either.
  const body = await screen(createRequest(inputs, screened, prompt, tags))
  const attachmentUrls = await uploadCiLogs(o)
  if (attachmentUrls) body.attachment_urls = attachmentUrls
  sending()
  const { session } = await devin.createSession(orgId, body, {
    dedupeTag: tag,
    signal: watch?.signal
  })
  return { session, how: 'created' }
}

/** What a dry run shows is what would be sent: the prompt through the same screen as a request. */
export async function wouldSend(
  handoff: { prompt: string; bytes: number },
  inputs: Pick<Inputs, 'secretScan'>,
  log: Pick<Log, 'warning'>
): Promise<{ prompt: string; bytes: number }> {
  const { value } = await screenForDevin(handoff.prompt, { mode: inputs.secretScan, log })
  return { prompt: value, bytes: handoff.bytes }
}
