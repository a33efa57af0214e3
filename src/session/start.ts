/**
 * Starting the session where the route (./route.ts) says: a message to an existing session (an
 * answer, or a follow-up: ./follow-up.ts), or a new session, with an unknown create outcome
 * settled by the client before any resend. A message to a session that is gone by then falls
 * back to a create. Once the workflow is being cancelled nothing more is sent, and a start in
 * flight is handed to the cancel (src/lifecycle/guard.ts) so that the session it makes is named.
 * Before anything is sent, a CI failure already handed off and the PR's budgets are checked
 * (./budget.ts): either ends the run as a skip, told by the reporter, with no session.
 */
import type { DevinClient } from '../devin/client.js'
import type { DevinSession } from '../devin/types.js'
import { screenForDevin, type ForDevin } from '../egress/devin.js'
import type { Log } from '../hygiene/log.js'
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { Handoff } from '../handoff/prepare.js'
import { isSha } from '../handoff/range.js'
import type { Trigger } from '../run/trigger.js'
import type { PendingStart, SettledStart } from '../state/run-state.js'
import { toView } from '../state/view.js'
import { budgetReader, overBudget, type Spending } from './budget.js'
import { deliver, type FollowUpClient } from './follow-up.js'
import { createRequest } from './request.js'
import { CancelledError, type Route } from './route.js'

export { CancelledError } from './route.js'
import { ciTag, runTag, sessionTags } from './tags.js'

/**
 * How the start went: the session (as the API gave it) and what SettledStart says of a start
 * (src/state/report.ts): what was sent, what the comment should remember, an answer as one.
 */
export type Started = Omit<SettledStart, 'session'> & { session: DevinSession }

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

interface StartOptions {
  devin: Pick<DevinClient, 'createSession' | 'uploadAttachment'> & FollowUpClient & StopClient
  orgId: string
  inputs: Inputs
  ctx: RunContext
  /** The prompts, and the screened target and text the session is named and tagged from. */
  handoff: Pick<Handoff, 'prompt' | 'screened' | 'ci' | 'sinceLast'>
  /** The triggering comment, which an answer names. */
  trigger: Pick<Trigger, 'comment'>
  /** Where the handoff goes (./route.ts); a new session when absent. */
  route?: Route
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
    budgets: o.inputs,
    listed: o.route?.listed
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
  // The PR's sessions, when the route listed them, hold every session with this tag (a CI
  // handoff always has a PR): no second request.
  const listed = o.route?.listed
  const found = listed
    ? listed.filter((s) => s.tags.includes(tag))
    : await o.devin.findSessionsByTags(o.orgId, [tag])
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
  const { devin, orgId, ctx, watch } = o
  const { prompt, screened } = o.handoff
  const route = o.route ?? { kind: 'new' }
  // An answer is the asking key's: a session created in its place is that key's too, so that its
  // comment, which shows it, and the next reuse of that key find it.
  const inputs = route.kind === 'answer' ? { ...o.inputs, commentKey: route.key } : o.inputs
  const tag = runTag(ctx, inputs.commentKey)
  const stopped = budgetStop(o)
  // Every field sent, not just the prompt, passes the secret screen (a title or tag built from
  // a PR title or branch could carry a credential). The thread tag is built from the screened
  // target before that, so the tag a reuse looks up is the tag the session was created with.
  const screen = async <T>(v: T): Promise<ForDevin<T>> =>
    (await screenForDevin(v, { mode: inputs.secretScan, log: o.log })).value
  const sending = (live?: DevinSession): void => {
    if (watch?.signal.aborted) throw new CancelledError()
    const answer = route.kind === 'answer' || undefined
    watch?.sending({ orgId, runTag: tag, session: live && toView(live), answer })
  }
  const taken = await ciTaken(o)
  if (taken) return void (await stopStart(o, taken))
  // The logs go up once, whether the message takes them or a create after a session was gone.
  let uploads: Promise<string[] | undefined> | undefined
  const upload = (): Promise<string[] | undefined> => (uploads ??= uploadCiLogs(o))
  if (route.kind !== 'new') {
    // Only `max-acus-per-pr` stops a message; it stops a create too, so one check serves both.
    if (await stopped('message')) return undefined
    const { commentKey } = inputs
    const sent = await deliver({ ...o, route, commentKey, screen, upload, beforeSend: sending })
    if (sent) return { ...sent, how: 'reused' }
  }
  if (await stopped('create')) return undefined
  const tags = sessionTags(inputs, screened.target, ctx, { shown: o.shown })
  // Screened before anything goes: a request the screen refuses sends no log either.
  const body = await screen(createRequest(inputs, screened, prompt, tags))
  const attachmentUrls = await upload()
  if (attachmentUrls) body.attachment_urls = attachmentUrls
  sending()
  const { session } = await devin.createSession(orgId, body, {
    dedupeTag: tag,
    signal: watch?.signal
  })
  const head = screened.target.headSha
  const handedOff = isSha(head)
    ? { sessionId: session.sessionId, headSha: head.toLowerCase() }
    : undefined
  return { session, how: 'created', handedOff }
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
