/**
 * Polling benchmark: what waiting for a Devin session costs, and how late it shows what Devin did.
 *
 *   node bench/poll.ts            (Node 24)
 *
 * Runs the real waiting loop (`src/lifecycle/wait.ts`) against the real Devin emulator over
 * loopback HTTP, twice over:
 *
 * - **Simulated hour**, on a virtual clock only: an hour-long session takes a fraction of a second,
 *   requests take no virtual time, and every figure (requests, lateness, comment gaps) is read off
 *   that one clock. Scenarios: `busy` (the session changes on every poll and Devin talks every
 *   ~30 s), `quiet` (a message every ~10 minutes) and `flappy` (the status changes on every poll at
 *   a 5 s interval: the worst case for comment edits).
 * - **Real clock**, at 1 s and 2 s intervals: sessions of 10–20 s, run side by side, in which
 *   Devin talks every second or so and stops at a random moment. Lateness is read off the wall
 *   clock (`performance.now()`) from the moment the emulator lists a message or the stop, to the
 *   moment the message is printed or the stop's answer is back; request times count.
 *
 * Targets (targets.md): at most 2 Devin requests per poll and polls at least one interval apart
 * (2 per interval; the end of the wait may read on through a backlog of messages), at most 240
 * per session-hour at the 30 s default, messages and the stop in the log within one interval +
 * 1 s, comment edits at least 10 s apart. Prints a table and one JSON line; exits non-zero only
 * when a target is missed.
 */
import { registerHooks, stripTypeScriptTypes } from 'node:module'
import * as path from 'node:path'
import type { ForDevin } from '../src/egress/devin.ts'
import type { SessionCreateRequest } from '../src/devin/types.ts'

// src uses NodeNext `.js` specifiers for its `.ts` files, and (being bundled by ncc, not run by
// Node) may use TypeScript syntax that plain type stripping refuses: transform those files.
const SRC = new URL('../src/', import.meta.url).href
registerHooks({
  resolve(spec, ctx, next) {
    try {
      return next(spec, ctx)
    } catch (err) {
      if (spec.startsWith('.') && spec.endsWith('.js')) return next(`${spec.slice(0, -3)}.ts`, ctx)
      throw err
    }
  },
  load(url, ctx, next) {
    const loaded = next(url, ctx)
    if (!url.startsWith(SRC) || !url.endsWith('.ts') || loaded.source === undefined) return loaded
    const code = stripTypeScriptTypes(String(loaded.source), { mode: 'transform' })
    return { ...loaded, format: 'module', source: code }
  }
})

const { startDevinEmulator } = await import('../test/emulators/devin.ts')
const { DevinClient } = await import('../src/devin/client.ts')
const { waitForSession } = await import('../src/lifecycle/wait.ts')
const { followingState } = await import('../test/helpers/run-state.ts')

type Emulator = Awaited<ReturnType<typeof startDevinEmulator>>
type Step = Parameters<Emulator['setSession']>[1]

const MAX_PER_POLL = 2
const MAX_PER_HOUR = 240
const SLACK_MS = 1000
const MIN_EDIT_GAP_MS = 10_000
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
function prng(seed: number): () => number {
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

type Mode = 'busy' | 'quiet' | 'flappy'

/** An hour (flappy: half an hour) of a session on a virtual clock. */
async function virtualTrial(mode: Mode, seed: number): Promise<Trial> {
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
async function realTrial(
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

interface Row {
  scenario: string
  trials: number
  intervalMs: number
  perPollMax: number
  pollGapMinMs: number
  endExtraPagesMax: number
  perHourMax: number
  stopLateMaxMs: number
  stopLateMeanMs: number
  messageLateMaxMs: number
  allMessagesOnce: boolean
  editsMax: number
  editGapMinMs: number
}

function summarize(trials: Trial[]): Row {
  const max = (f: (t: Trial) => number): number => Math.max(...trials.map(f))
  const min = (f: (t: Trial) => number): number => Math.min(...trials.map(f))
  return {
    scenario: trials[0]?.scenario ?? '',
    trials: trials.length,
    intervalMs: trials[0]?.intervalMs ?? 0,
    perPollMax: max((t) => t.perPollMax),
    pollGapMinMs: min((t) => t.pollGapMinMs),
    endExtraPagesMax: max((t) => t.endExtraPages),
    perHourMax: max((t) => t.perHour),
    stopLateMaxMs: max((t) => t.stopLateMs),
    stopLateMeanMs: trials.reduce((s, t) => s + t.stopLateMs, 0) / trials.length,
    messageLateMaxMs: max((t) => t.messageLateMaxMs),
    allMessagesOnce: trials.every((t) => t.allMessagesOnce),
    editsMax: max((t) => t.edits),
    editGapMinMs: min((t) => t.editGapMinMs)
  }
}

function printTable(rows: Row[]): void {
  const s = (v: number): string => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '—')
  const lines: string[][] = [
    [
      'scenario',
      'interval',
      'req/poll',
      'closest polls',
      'req/session-h',
      'stop late (max / mean)',
      'msg late (max)',
      'edits',
      'closest edits'
    ]
  ]
  for (const r of rows) {
    lines.push([
      `${r.scenario} ×${r.trials}`,
      s(r.intervalMs),
      String(r.perPollMax),
      s(r.pollGapMinMs),
      r.perHourMax.toFixed(1),
      `${s(r.stopLateMaxMs)} / ${s(r.stopLateMeanMs)}`,
      s(r.messageLateMaxMs),
      String(r.editsMax),
      s(r.editGapMinMs)
    ])
  }
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? []
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '))
}

export async function runPollBench(): Promise<{ ok: boolean; result: Record<string, unknown> }> {
  const rows: Row[] = []
  const plan: Array<[Mode, number]> = [
    ['busy', 12],
    ['quiet', 6],
    ['flappy', 2]
  ]
  for (const [mode, n] of plan) {
    const trials: Trial[] = []
    for (let i = 0; i < n; i++) trials.push(await virtualTrial(mode, 1000 * (i + 1) + mode.length))
    rows.push(summarize(trials))
  }
  // Side by side against one emulator: four sessions at 1 s, two at 2 s, 10–20 s each.
  const devin = await startDevinEmulator()
  const real = await Promise.all([
    ...[10_000, 13_000, 16_000, 19_000].map((ms, i) => realTrial(devin, 1000, ms, 77 + i)),
    ...[15_000, 20_000].map((ms, i) => realTrial(devin, 2000, ms, 99 + i))
  ])
  await devin.close()
  rows.push(summarize(real.filter((t) => t.intervalMs === 1000)))
  rows.push(summarize(real.filter((t) => t.intervalMs === 2000)))
  printTable(rows)

  const atDefault = rows.filter((r) => r.intervalMs === 30_000)
  const checks = {
    perPoll: rows.every((r) => r.perPollMax <= MAX_PER_POLL),
    pollGap: rows.every((r) => r.pollGapMinMs >= r.intervalMs),
    perHour: atDefault.every((r) => r.perHourMax <= MAX_PER_HOUR),
    stopLate: rows.every((r) => r.stopLateMaxMs <= r.intervalMs + SLACK_MS),
    messageLate: rows.every((r) => r.messageLateMaxMs <= r.intervalMs + SLACK_MS),
    messagesOnce: rows.every((r) => r.allMessagesOnce),
    // Virtual clock only: on it an edit's time is exactly the throttle's.
    commentGap: rows
      .filter((r) => !r.scenario.startsWith('real'))
      .every((r) => r.editGapMinMs >= MIN_EDIT_GAP_MS)
  }
  const ok = Object.values(checks).every(Boolean)
  const realRows = rows.filter((r) => r.scenario.startsWith('real'))
  const round = (v: number): number => Math.round(v)
  const result = {
    bench: 'poll',
    requestsPerPollMax: Math.max(...rows.map((r) => r.perPollMax)),
    requestsPerSessionHour: Number(Math.max(...atDefault.map((r) => r.perHourMax)).toFixed(1)),
    targetRequestsPerSessionHour: MAX_PER_HOUR,
    simulated: {
      stopLateMaxMs: round(Math.max(...atDefault.map((r) => r.stopLateMaxMs))),
      messageLateMaxMs: round(Math.max(...atDefault.map((r) => r.messageLateMaxMs))),
      targetLateMs: 30_000 + SLACK_MS
    },
    realClock: realRows.map((r) => ({
      intervalMs: r.intervalMs,
      sessions: r.trials,
      stopLateMaxMs: round(r.stopLateMaxMs),
      messageLateMaxMs: round(r.messageLateMaxMs),
      targetLateMs: r.intervalMs + SLACK_MS
    })),
    commentMinGapMs: round(
      Math.min(...rows.filter((r) => !r.scenario.startsWith('real')).map((r) => r.editGapMinMs))
    ),
    checks,
    ok,
    scenarios: rows
  }
  console.log(JSON.stringify(result))
  return { ok, result }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { ok } = await runPollBench()
  if (!ok) process.exitCode = 1
}
