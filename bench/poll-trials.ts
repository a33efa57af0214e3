/**
 * The polling bench's trials (./poll.ts runs them): the real waiting loop against the real Devin
 * emulator, on a virtual clock (`virtualTrial`) or the wall clock (`realTrial`). Each trial reads
 * its figures off one time base only. Imported by ./poll.ts after it registered the hooks that
 * let Node load `src/`.
 */
import type { ForDevin } from '../src/egress/devin.ts'
import type { SessionCreateRequest } from '../src/devin/types.ts'
import { DevinClient } from '../src/devin/client.ts'
import { waitForSession } from '../src/lifecycle/wait.ts'
import { startDevinEmulator } from '../test/emulators/devin.ts'
import { followingState } from '../test/helpers/run-state.ts'

export type Emulator = Awaited<ReturnType<typeof startDevinEmulator>>
type Step = Parameters<Emulator['setSession']>[1]

export const MAX_PER_POLL = 2
const MINUTE = 60_000

/** One trial's figures, in one time base (virtual or wall clock, never both). */
export interface Trial {
  scenario: string
  intervalMs: number
  /** Most requests one poll made (the session GET and the message page after it). */
  perPollMax: number
  /** Closest two polls came, by the loop's own clock. */
  pollGapMinMs: number
  /** Pages the end of the wait read beyond a poll's one (a backlog of messages). */
  endExtraPages: number
  perHour: number
  stopLateMs: number
  messageLateMaxMs: number
  allMessagesOnce: boolean
  edits: number
  editGapMinMs: number
}

/** Small seeded PRNG (mulberry32) so every run of the bench sees the same sessions. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const quietLog = {
  info: () => undefined,
  warning: (m: string) => console.error(`warning: ${m}`),
  debug: () => undefined
}

/** A session on `devin`, and a client that notes each request at `now()` (the loop's clock). */
async function started(devin: Emulator, now: () => number, sleep?: (ms: number) => Promise<void>) {
  const client = new DevinClient({ apiUrl: devin.url, apiKey: devin.apiKey, sleep })
  devin.script([])
  const { session } = await client.createSession(
    devin.orgId,
    { prompt: 'bench' } as ForDevin<SessionCreateRequest>,
    { dedupeTag: `bench-${devin.sessions.size}` }
  )
  const calls: Array<{ at: number; session: boolean }> = []
  const getSession = client.getSession.bind(client)
  const listMessages = client.listMessages.bind(client)
  client.getSession = (org, id) => {
    calls.push({ at: now(), session: true })
    return getSession(org, id)
  }
  client.listMessages = (org, id, q) => {
    calls.push({ at: now(), session: false })
    return listMessages(org, id, q)
  }
  return { client, session, calls }
}

/** Requests per poll, the closest polls, and the end's extra pages, from the noted calls. */
function countCalls(calls: Array<{ at: number; session: boolean }>) {
  const perPoll: number[] = []
  const polls: number[] = []
  for (const c of calls) {
    if (c.session) {
      perPoll.push(1)
      polls.push(c.at)
    } else perPoll[perPoll.length - 1] = (perPoll.at(-1) ?? 0) + 1
  }
  const endExtraPages = Math.max(0, (perPoll.at(-1) ?? 0) - MAX_PER_POLL)
  if (perPoll.length) perPoll[perPoll.length - 1] = (perPoll.at(-1) ?? 0) - endExtraPages
  const gaps = polls.slice(1).map((t, i) => t - (polls[i] ?? 0))
  return {
    perPollMax: Math.max(0, ...perPoll),
    pollGapMinMs: gaps.length ? Math.min(...gaps) : Infinity,
    endExtraPages
  }
}

const minGap = (ts: number[]): number =>
  ts.length > 1 ? Math.min(...ts.slice(1).map((t, i) => t - (ts[i] ?? 0))) : Infinity

export type Mode = 'busy' | 'quiet' | 'flappy'

/** An hour (flappy: half an hour) of a session on a virtual clock. */
export async function virtualTrial(mode: Mode, seed: number): Promise<Trial> {
  const rand = prng(seed)
  const intervalMs = mode === 'flappy' ? 5_000 : 30_000
  const sessionMs = mode === 'flappy' ? 30 * MINUTE : 60 * MINUTE
  // The stop lands anywhere inside a poll interval.
  const stopAtMs = sessionMs + Math.floor(rand() * intervalMs)
  let advanced = 0
  const base = Date.now()
  const since = (): number => advanced
  const devin = await startDevinEmulator()
  const { client, session, calls } = await started(devin, since, async (ms) => {
    advanced += ms
  })
  const stored = devin.sessions.get(session.sessionId)
  if (!stored) throw new Error('emulator lost the session')

  const events: Array<{ at: number; step: Step }> = [
    { at: 15_000, step: { status: 'claimed' } },
    { at: 40_000, step: { status: 'running', status_detail: 'working' } }
  ]
  const every = { busy: 30_000, quiet: 10 * MINUTE, flappy: 60_000 }[mode]
  for (let at = 45_000 + rand() * every; at < stopAtMs; at += every * (0.5 + rand())) {
    const when = Math.floor(at)
    events.push({ at: when, step: { messages: [{ message: `progress note @${when}` }] } })
  }
  const done = { message: `done @${stopAtMs}` }
  events.push({
    at: stopAtMs,
    step: { status: 'running', status_detail: 'finished', messages: [done] }
  })
  events.sort((a, b) => a.at - b.at)
  const posted = events.filter((e) => e.step.messages).length
  let flip = false
  // The world moves on when the loop sleeps; each event is dated by its script time, so the
  // wait until the next wake-up counts against the loop.
  const advanceWorld = (): void => {
    while ((events[0]?.at ?? Infinity) <= since()) {
      const e = events.shift()
      if (e) devin.setSession(session.sessionId, e.step)
    }
    const working = stored.state.status === 'running' || stored.state.status === 'resuming'
    if (mode === 'busy') {
      stored.state.updated_at = Math.floor((base + since()) / 1000)
      stored.state.acus_consumed += 0.01
    }
    if (mode === 'flappy' && working && stored.state.status_detail !== 'finished') {
      flip = !flip
      const step = flip ? { status: 'resuming' } : { status: 'running', status_detail: 'working' }
      devin.setSession(session.sessionId, step)
    }
  }

  const edits: number[] = []
  const lateness: number[] = []
  let printed = 0
  let noticedAt: number | undefined
  const getSession = client.getSession.bind(client)
  client.getSession = async (org, id) => {
    const s = await getSession(org, id)
    if (noticedAt === undefined && s.status_detail === 'finished') noticedAt = since()
    return s
  }
  const clock = (): number => base + since()
  const state = followingState(session, { orgId: devin.orgId, clock, slug: 'bench/bench' })
  await waitForSession({
    state,
    devin: client,
    orgId: devin.orgId,
    settings: { pollIntervalSeconds: intervalMs / 1000, timeoutMinutes: 120, workspace: '.' },
    publish: async () => {
      edits.push(since())
    },
    scrub: (t) => t,
    log: quietLog,
    clock,
    random: rand,
    sleep: async (ms, signal) => {
      if (signal?.aborted) return
      advanced += ms
      advanceWorld()
      await new Promise((resolve) => setImmediate(resolve))
    },
    print: (_title, body) => {
      printed++
      lateness.push(since() - Number(/@(\d+)$/.exec(body)?.[1] ?? NaN))
    }
  })
  const onWire = devin.requests.filter((r) => r.path.includes(session.sessionId)).length
  await client.close()
  await devin.close()
  if (state.report.result !== 'finished') throw new Error(`trial ended ${state.report.result}`)
  if (noticedAt === undefined) throw new Error('the stop was never seen')
  if (onWire !== calls.length)
    throw new Error(`${onWire} requests on the wire, ${calls.length} made`)
  return {
    scenario: mode,
    intervalMs,
    ...countCalls(calls),
    perHour: (calls.length * 60 * MINUTE) / noticedAt,
    stopLateMs: noticedAt - stopAtMs,
    messageLateMaxMs: Math.max(0, ...lateness),
    allMessagesOnce: printed === posted && lateness.every(Number.isFinite),
    edits: edits.length,
    editGapMinMs: minGap(edits)
  }
}

/** A session of `sessionMs` on the wall clock, Devin talking every 0.5–1.5 s. */
export async function realTrial(
  devin: Emulator,
  intervalMs: number,
  sessionMs: number,
  seed: number
): Promise<Trial> {
  const rand = prng(seed)
  // The loop's clock, and the reading it took just before each request: its own time base.
  let reading = 0
  const clock = (): number => (reading = Date.now())
  const { client, session, calls } = await started(devin, () => reading)
  const id = session.sessionId
  const listedAt = new Map<string, number>()
  const timers: NodeJS.Timeout[] = []
  const at = (ms: number, f: () => void): void => void timers.push(setTimeout(f, ms))
  at(200, () => devin.setSession(id, { status: 'running', status_detail: 'working' }))
  let n = 0
  for (let t = 300 + rand() * 1000; t < sessionMs; t += 500 + rand() * 1000) {
    const text = `note ${n++}`
    at(t, () => {
      devin.setSession(id, { messages: [{ message: text }] })
      listedAt.set(text, performance.now())
    })
  }
  let stoppedAt: number | undefined
  at(sessionMs + rand() * intervalMs, () => {
    const step = { status: 'running', status_detail: 'finished', messages: [{ message: 'done' }] }
    devin.setSession(id, step)
    stoppedAt = listedAt.set('done', performance.now()).get('done')
  })

  let noticedAt: number | undefined
  const getSession = client.getSession.bind(client)
  client.getSession = async (org, sid) => {
    const s = await getSession(org, sid)
    if (noticedAt === undefined && s.status_detail === 'finished') noticedAt = performance.now()
    return s
  }
  const lateness: number[] = []
  const edits: number[] = []
  const t0 = performance.now()
  const state = followingState(session, { orgId: devin.orgId, clock, slug: 'bench/bench' })
  await waitForSession({
    state,
    devin: client,
    orgId: devin.orgId,
    settings: { pollIntervalSeconds: intervalMs / 1000, timeoutMinutes: 2, workspace: '.' },
    publish: async () => {
      edits.push(reading)
    },
    scrub: (t) => t,
    log: quietLog,
    clock,
    random: rand,
    print: (_title, body) => lateness.push(performance.now() - (listedAt.get(body) ?? NaN))
  })
  const waited = performance.now() - t0
  for (const t of timers) clearTimeout(t)
  await client.close()
  if (state.report.result !== 'finished') throw new Error(`trial ended ${state.report.result}`)
  if (noticedAt === undefined || stoppedAt === undefined) throw new Error('the stop was not seen')
  return {
    scenario: `real ${intervalMs / 1000} s`,
    intervalMs,
    ...countCalls(calls),
    perHour: (calls.length * 60 * MINUTE) / waited,
    stopLateMs: noticedAt - stoppedAt,
    messageLateMaxMs: Math.max(0, ...lateness),
    allMessagesOnce: lateness.length === n + 1 && lateness.every(Number.isFinite),
    edits: edits.length,
    editGapMinMs: minGap(edits)
  }
}
