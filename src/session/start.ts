/**
 * Starting the session: with `reuse-session`, the live session of this PR and key gets the
 * handoff as a message; otherwise (or when there is none) a new session is created, with an
 * unknown create outcome settled by the client before any resend.
 */
import type { DevinClient } from '../devin/client.js'
import type { DevinSession } from '../devin/types.js'
import { isLive } from '../devin/status.js'
import { screenForDevin, type ForDevin } from '../egress/devin.js'
import type { Log } from '../hygiene/log.js'
import type { RunContext } from '../run/context.js'
import type { Inputs } from '../run/inputs.js'
import type { Handoff } from '../handoff/prepare.js'
import type { Trigger } from '../run/trigger.js'
import { createRequest, followUpMessage } from './request.js'
import { runTag, sessionTags, threadTag } from './tags.js'

export interface Started {
  session: DevinSession
  how: 'created' | 'reused'
  /** Bytes really sent when that was not the prompt itself (the follow-up message). */
  promptBytes?: number
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
 * that is gone by the time the message arrives (404/400/409) means a new one is created instead.
 */
export async function reuse(
  devin: Pick<DevinClient, 'findSessionsByTags' | 'sendMessage' | 'getSession'>,
  orgId: string,
  tag: string,
  message: ForDevin<string>,
  log: Pick<Log, 'info'>
): Promise<DevinSession | undefined> {
  const live = pickLive(await devin.findSessionsByTags(orgId, [tag]))
  if (!live) {
    log.info(`No live Devin session tagged ${tag}; creating a new one`)
    return undefined
  }
  try {
    const answer = await devin.sendMessage(orgId, live.sessionId, message)
    log.info(`Sent the handoff to the running session ${live.sessionId}`)
    return answer ?? (await devin.getSession(orgId, live.sessionId))
  } catch (err) {
    const status = (err as { status?: number }).status
    if (status === 404 || status === 400 || status === 409) {
      log.info(
        `Session ${live.sessionId} can no longer take messages (${status}); creating a new one`
      )
      return undefined
    }
    throw err
  }
}

export async function startSession(o: {
  devin: Pick<DevinClient, 'findSessionsByTags' | 'sendMessage' | 'getSession' | 'createSession'>
  orgId: string
  inputs: Inputs
  ctx: RunContext
  /** The prompt, and the screened target and text the session is named and tagged from. */
  handoff: Pick<Handoff, 'prompt' | 'screened'>
  /** A comment that says `<phrase> new` asks for a new session even with `reuse-session`. */
  trigger: Pick<Trigger, 'forceNew'>
  log: Pick<Log, 'info' | 'warning'>
}): Promise<Started> {
  const { devin, orgId, inputs, ctx } = o
  const { prompt, screened } = o.handoff
  // Every field sent, not just the prompt, passes the secret screen (a title or tag built from
  // a PR title or branch could carry a credential). The thread tag is built from the screened
  // target before that, so the tag a reuse looks up is the tag the session was created with.
  const screen = async <T>(v: T): Promise<ForDevin<T>> =>
    (await screenForDevin(v, { mode: inputs.secretScan, log: o.log })).value
  if (inputs.reuseSession && !o.trigger.forceNew) {
    const message = await screen(followUpMessage(prompt))
    const tag = threadTag(screened.target, inputs.commentKey)
    const reused = await reuse(devin, orgId, tag, message, o.log)
    if (reused) return { session: reused, how: 'reused', promptBytes: Buffer.byteLength(message) }
  }
  const tags = sessionTags(inputs, screened.target, ctx)
  const body = await screen(createRequest(inputs, screened, prompt, tags))
  const { session } = await devin.createSession(orgId, body, {
    dedupeTag: runTag(ctx, inputs.commentKey)
  })
  return { session, how: 'created' }
}
