/**
 * Where a handoff goes, decided before anything is sent (the start, ./start.ts, then sends it):
 *
 * - an **answer**: a comment trigger on a PR whose session waits for the user goes to that
 *   session, whatever `reuse-session` says (the answer goes where the question came from);
 * - a **follow-up** with `reuse-session`: to the session that opened the PR, when Devin's GitHub
 *   App opened it and links the session in its body, else to the live session of this PR and key;
 * - else a **new** session.
 *
 * Devin's GitHub App already hands a comment on a PR it opened to that PR's session while the
 * session is not archived, so a comment trigger there is not sent a second time. Only reads.
 */
import type { DevinClient } from '../devin/client.js'
import { isLive } from '../devin/status.js'
import type { DevinSession } from '../devin/types.js'
import type { Log } from '../hygiene/log.js'
import type { Target } from '../run/target.js'
import type { Trigger } from '../run/trigger.js'
import { prTag } from '../state/tracking.js'
import { ACTION_TAG, threadTag } from './tags.js'

/** The login of Devin's GitHub App: the only author whose session link is followed. */
export const DEVIN_APP_LOGIN = 'devin-ai-integration[bot]'

export type Route = (
  | {
      kind: 'answer'
      session: DevinSession
      /** The comment key of the asking session: its sticky comment shows the answer. */
      key: string
    }
  | { kind: 'follow-up'; session: DevinSession; via: 'thread' | 'devin-pr' }
  | { kind: 'new' }
) & {
  /** The PR's sessions, when the route listed them: the budgets count the same list. */
  listed?: readonly DevinSession[]
}

export type Routed = Route | { skip: string }

/** The workflow is being cancelled: the start stops where it is and sends nothing more. */
export class CancelledError extends Error {
  override name = 'CancelledError'
  constructor() {
    super('the workflow is being cancelled; nothing more is sent to Devin')
  }
}

export type RouteClient = Pick<DevinClient, 'findSessionsByTags' | 'getSession'>

export interface RouteOptions {
  devin: RouteClient
  orgId: string
  inputs: { reuseSession: boolean; commentKey: string }
  /** The screened target: the thread tag is built from it, as the create builds it. */
  target: Target
  trigger: Pick<Trigger, 'forceNew' | 'comment' | 'extraTask'>
  /** Hosts of Devin's web app (src/egress/markdown.ts linkHosts): where a session link may point. */
  devinHosts: readonly string[]
  log: Pick<Log, 'info'>
  /** The run's cancel guard: once it fired, the route is not taken (nothing more is asked). */
  watch?: { readonly signal: AbortSignal }
}

const KEY = /^[A-Za-z0-9_.:/-]{1,64}$/
const SESSION_ID = /^(?:devin-)?[A-Za-z0-9]{8,64}$/
const escapeHost = (h: string): string => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The session a PR body links on one of Devin's hosts (`https://app.devin.ai/sessions/<id>`), in
 * `devin-` form; the first such link counts. Pure.
 */
export function linkedSessionId(body: string, hosts: readonly string[]): string | undefined {
  if (hosts.length === 0) return undefined
  const host = hosts.map(escapeHost).join('|')
  // A link of its own, not one inside another URL or word, and the whole id or none.
  const link = new RegExp(
    `(?:^|[\\s(<\\["'>])https://(?:${host})/sessions/([A-Za-z0-9-]{1,80})(?![\\w%/-])`,
    'i'
  )
  const id = link.exec(body)?.[1]
  if (!id || !SESSION_ID.test(id)) return undefined
  return id.startsWith('devin-') ? id : `devin-${id}`
}

/** Devin's session for a PR its GitHub App opened, if the body links one of this organization. */
async function devinPrSession(o: RouteOptions): Promise<DevinSession | undefined> {
  const pr = o.target.pr
  if (pr?.author !== DEVIN_APP_LOGIN) return undefined
  const id = linkedSessionId(pr.body, o.devinHosts)
  if (!id) return undefined
  try {
    return await o.devin.getSession(o.orgId, id)
  } catch (err) {
    // Another organization's session (404, or 403 where the key may not see it), or one that
    // is gone: nothing of ours to route to. A key that truly lacks the permission fails at the
    // next request, which needs it too.
    const status = (err as { status?: number }).status
    if (status !== 404 && status !== 403) throw err
    o.log.info(`The PR links Devin session ${id}, which this organization does not have`)
    return undefined
  }
}

const waitsForUser = (s: DevinSession): boolean =>
  !s.is_archived &&
  s.status === 'running' &&
  (s.status_detail === 'waiting_for_user' || s.status_detail === 'waiting_for_approval')

const newestFirst = (a: DevinSession, b: DevinSession): number =>
  (b.updated_at ?? b.created_at ?? 0) - (a.updated_at ?? a.created_at ?? 0)

/** Newest first: the session a follow-up should go to when several are live. */
export function pickLive(sessions: DevinSession[]): DevinSession | undefined {
  return sessions
    .filter((s) => !s.is_archived && isLive(s.status, s.status_detail))
    .sort(newestFirst)[0]
}

/** The key in a session's thread tag for this PR (`gh:owner/repo#12:KEY`), if it is a valid one. */
export function keyOf(session: DevinSession, slug: string, pr: number): string | undefined {
  const prefix = `${prTag(slug, pr)}:`
  const key = session.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length)
  return key !== undefined && KEY.test(key) ? key : undefined
}

/** The action's session of this PR that waits for the user (any key), newest first. */
function waitingSession(listed: readonly DevinSession[]): DevinSession | undefined {
  return listed.filter((s) => s.tags.includes(ACTION_TAG) && waitsForUser(s)).sort(newestFirst)[0]
}

export async function routeHandoff(o: RouteOptions): Promise<Routed> {
  const routed = await route(o)
  if (o.watch?.signal.aborted) throw new CancelledError()
  return routed
}

async function route(o: RouteOptions): Promise<Routed> {
  const { trigger, target, inputs } = o
  const pr = target.pr
  const comment = pr && trigger.comment
  const reuse = inputs.reuseSession && !trigger.forceNew
  const devinPr = comment !== undefined || reuse ? await devinPrSession(o) : undefined
  if (comment && devinPr && !devinPr.is_archived)
    return {
      skip: `Devin's GitHub App delivers comments on the pull requests Devin opened to their session (${devinPr.sessionId}); this one is not sent twice`
    }
  const answering = comment !== undefined && !trigger.forceNew && !!trigger.extraTask
  // One list of the PR's sessions answers every question here, and the budgets' too: every
  // session the action makes for a PR carries its exact tag (src/state/tracking.ts).
  let listed: readonly DevinSession[] | undefined
  const list = async (n: number): Promise<readonly DevinSession[]> =>
    (listed ??= await o.devin.findSessionsByTags(o.orgId, [prTag(target.slug, n)]))
  const waiting = answering && pr ? waitingSession(await list(pr.number)) : undefined
  if (waiting && pr) {
    o.log.info(`Devin session ${waiting.sessionId} waits for an answer: the comment goes to it`)
    const key = keyOf(waiting, target.slug, pr.number) ?? inputs.commentKey
    return { kind: 'answer', session: waiting, key, listed }
  }
  if (!reuse) return { kind: 'new', listed }
  if (devinPr && isLive(devinPr.status, devinPr.status_detail) && !devinPr.is_archived) {
    o.log.info(
      `Devin opened this pull request in session ${devinPr.sessionId}: the handoff goes there`
    )
    return { kind: 'follow-up', session: devinPr, via: 'devin-pr', listed }
  }
  const tag = threadTag(target, inputs.commentKey)
  const thread = pr
    ? (await list(pr.number)).filter((s) => s.tags.includes(tag))
    : await o.devin.findSessionsByTags(o.orgId, [tag])
  const live = pickLive(thread)
  if (live) return { kind: 'follow-up', session: live, via: 'thread', listed }
  o.log.info(`No live Devin session tagged ${tag}; creating a new one`)
  return { kind: 'new', listed }
}
