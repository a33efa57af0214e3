/**
 * A handoff sent as a message to a session that already exists (./route.ts chose it): an answer
 * to its question, or a follow-up carrying the change since the last handoff to that session (the
 * whole change when it had none, or when history was rewritten since), with a CI run's logs
 * attached. A session gone by the time the message arrives means a new one is created instead; a
 * message whose outcome is unknown keeps the session, since it may well have arrived.
 */
import type { DevinClient } from '../devin/client.js'
import {
  DevinApiError,
  DevinMalformedResponseError,
  DevinNetworkError,
  isUnknownOutcome
} from '../devin/errors.js'
import type { DevinSession } from '../devin/types.js'
import type { ForDevin } from '../egress/devin.js'
import type { Handoff } from '../handoff/prepare.js'
import { isSha } from '../handoff/range.js'
import type { Log } from '../hygiene/log.js'
import { errorText } from '../hygiene/scrub.js'
import type { Trigger } from '../run/trigger.js'
import type { HandoffSummary, SettledStart } from '../state/report.js'
import { unconfirmedNote } from './notes.js'
import { answerMessage, commentUrl, followUpMessage } from './request.js'
import type { Route } from './route.js'
import { adoptionTags, ciTag } from './tags.js'

/** What a message to an existing session settled as: a start that reused it (./start.ts). */
export type Delivery = Omit<SettledStart, 'session' | 'how'> & {
  session: DevinSession
  /** The bytes of the message itself. */
  promptBytes: number
}

export type FollowUpClient = Pick<DevinClient, 'sendMessage' | 'getSession' | 'replaceTags'>

export interface FollowUpOptions {
  devin: FollowUpClient
  orgId: string
  route: Exclude<Route, { kind: 'new' }>
  handoff: Pick<Handoff, 'prompt' | 'screened' | 'ci' | 'sinceLast'>
  trigger: Pick<Trigger, 'comment'>
  /** The run's comment key: the thread a session of a PR Devin opened joins. */
  commentKey: string
  /** The egress gate's screen for Devin, in the run's `secret-scan` mode. */
  screen: <T>(value: T) => Promise<ForDevin<T>>
  /** Uploads the CI logs (after the message passed the screen); their URLs ride on it. */
  upload: () => Promise<string[] | undefined>
  /** Runs just before the message goes (the cancel guard's last word). */
  beforeSend: (live: DevinSession) => void
  log: Pick<Log, 'info' | 'warning'>
}

/** Why a message's outcome is unknown, in words of our own (no server text goes into the note). */
function whyUnknown(err: Error): string {
  if (err instanceof DevinNetworkError)
    return err.timedOut ? 'no answer came in time' : 'the connection failed before the answer'
  if (err instanceof DevinMalformedResponseError) return 'its answer could not be read'
  if (err instanceof DevinApiError) return `the answer was ${err.status}`
  return 'the answer was lost'
}

/**
 * Sends `message` to `live`, which also wakes a suspended one. A session that can no longer take
 * messages (404/400/409) settles as undefined: the caller creates a new one. An answer that never
 * came or cannot be trusted (5xx, dropped, timed out) keeps the session with a note.
 */
export async function sendTo(
  devin: Pick<DevinClient, 'sendMessage' | 'getSession'>,
  orgId: string,
  live: DevinSession,
  message: ForDevin<string>,
  log: Pick<Log, 'info' | 'warning'>,
  o: { attachmentUrls?: string[]; beforeSend?: (live: DevinSession) => void } = {}
): Promise<{ session: DevinSession; note?: string } | undefined> {
  o.beforeSend?.(live)
  let answer: DevinSession | undefined
  try {
    answer = await devin.sendMessage(orgId, live.sessionId, message, {
      attachmentUrls: o.attachmentUrls
    })
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

interface Message {
  text: string
  summary?: HandoffSummary
  /** The message carries the change up to the head: the comment remembers it. */
  carriesChange: boolean
  answered?: boolean
}

const answerSummary = (bytes: number): HandoffSummary => ({
  promptBytes: bytes,
  files: 0,
  source: 'none',
  truncated: false,
  omitted: 0,
  redactions: 0
})

/** The text for the route: the answer, the change since the last handoff, or the whole. */
function messageOf(o: FollowUpOptions): Message {
  const { route, handoff } = o
  const pr = handoff.screened.target.pr
  if (route.kind === 'answer') {
    const asked = o.trigger.comment
    const where = pr && asked ? commentUrl(pr.url, asked) : (pr?.url ?? '')
    const by = handoff.screened.requestedBy
    const text = answerMessage({ login: by?.login, where, text: by?.text ?? '' })
    return { text, carriesChange: false, answered: true }
  }
  // A CI failure's message is about the failure and its logs, not a new state of the change.
  if (handoff.ci) return { text: followUpMessage(handoff.prompt), carriesChange: false }
  const since = handoff.sinceLast
  if (since && since.sessionId === route.session.sessionId)
    return { text: followUpMessage(since.prompt), summary: since.summary, carriesChange: true }
  return { text: followUpMessage(handoff.prompt), carriesChange: true }
}

/**
 * The tags the session must carry once the message reached it: a CI run's tag, so that a re-run
 * of the same failing workflow on the same commit finds it and sends nothing (./start.ts
 * ciTaken); and, for the session of a PR Devin opened, the action's own tags of this PR and key,
 * so that the PR's budgets count it, its comment's `mode: sync` refreshes it, and the next
 * follow-up finds it like any session of this thread.
 */
function tagsToAdd(o: FollowUpOptions): string[] {
  const target = o.handoff.screened.target
  const ci = ciTag(target)
  const own = o.route.kind === 'follow-up' && o.route.via === 'devin-pr'
  return [...(own ? adoptionTags(target, o.commentKey) : []), ...(ci ? [ci] : [])]
}

async function withTags(o: FollowUpOptions, session: DevinSession): Promise<DevinSession> {
  const missing = tagsToAdd(o).filter((t) => !session.tags.includes(t))
  if (missing.length === 0) return session
  try {
    const value = await o.screen([...session.tags, ...missing])
    return { ...session, tags: await o.devin.replaceTags(o.orgId, session.sessionId, value) }
  } catch (err) {
    o.log.warning(
      `Could not tag session ${session.sessionId} with ${missing.join(', ')} (${errorText(err)}); a later run may not find it (a CI re-run may send the failure again).`
    )
    return session
  }
}

/** Sends the route's message; undefined when the session is gone and a new one should start. */
export async function deliver(o: FollowUpOptions): Promise<Delivery | undefined> {
  const m = messageOf(o)
  const message = await o.screen(m.text)
  const attachmentUrls = m.answered ? undefined : await o.upload()
  const sent = await sendTo(o.devin, o.orgId, o.route.session, message, o.log, {
    attachmentUrls,
    beforeSend: o.beforeSend
  })
  if (!sent) return undefined
  const promptBytes = Buffer.byteLength(message)
  const head = o.handoff.screened.target.headSha
  // Only a delivery known to have arrived moves what the comment remembers.
  const confirmed = sent.note === undefined
  const handedOff =
    confirmed && m.carriesChange && isSha(head)
      ? { sessionId: sent.session.sessionId, headSha: head.toLowerCase() }
      : undefined
  // Tagged even when unconfirmed: the message may well have arrived, and a re-run must not resend.
  const session = await withTags(o, sent.session)
  const summary = m.answered ? answerSummary(promptBytes) : m.summary
  return {
    session,
    note: sent.note,
    promptBytes,
    summary: summary && { ...summary, promptBytes },
    handedOff,
    answered: m.answered
  }
}
