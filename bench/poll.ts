/**
 * Polling benchmark: what waiting for a Devin session costs and how quickly it notices the end.
 *
 *   node bench/poll.ts            (Node 24)
 *
 * Runs the real waiting loop (`src/wait.ts`) against the real Devin emulator over loopback HTTP,
 * with a virtual clock so an hour-long session takes a fraction of a second. Real request time
 * still counts: the clock is virtual time plus the real time spent. Each trial scripts a session
 * that starts, works for an hour (Devin posting messages) and stops at a random moment; the
 * trial counts every Devin request the loop made and measures how late it noticed the stop.
 *
 * Scenarios: `busy` (the session changes on every poll: the worst case for message reads),
 * `quiet` (it changes only when Devin says something), and `flappy` (the status changes on every
 * poll, at a 5 s interval: the worst case for comment edits).
 *
 * Prints a table and one JSON line; exits non-zero when a target is missed: at most 130 Devin
 * requests per session-hour at the default interval, the stop noticed within one interval plus
 * 1 s, and no two comment edits less than 10 s apart.
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

const MAX_REQUESTS_PER_HOUR = 130
const SLACK_MS = 1000
const MIN_EDIT_GAP_MS = 10_000

type Mode = 'busy' | 'quiet' | 'flappy'

interface Trial {
  mode: Mode
  intervalMs: number
  stopAtMs: number
  requests: number
  sessionGets: number
  messageReads: number
  requestsPerHour: number
  latenessMs: number
  edits: number
  minEditGapMs: number
  messagesPrinted: number
  messagesPosted: number
  maxMessageDelayMs: number
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

async function trial(mode: Mode, seed: number): Promise<Trial> {
  const rand = prng(seed)
  const intervalMs = mode === 'flappy' ? 5_000 : 30_000
  const sessionMs = mode === 'flappy' ? 30 * 60_000 : 60 * 60_000
  // The stop lands anywhere inside a poll interval.
  const stopAtMs = sessionMs + Math.floor(rand() * intervalMs)
  const devin = await startDevinEmulator()
  const client = new DevinClient({
    apiUrl: devin.url,
    apiKey: devin.apiKey,
    sleep: async (ms) => {
      advanced += ms
    }
  })
  devin.script([])
  const { session } = await client.createSession(
    devin.orgId,
    { prompt: 'bench' } as ForDevin<SessionCreateRequest>,
    { dedupeTag: 'bench' }
  )
  const stored = devin.sessions.get(session.sessionId)
  if (!stored) throw new Error('emulator lost the session')

  const real0 = performance.now()
  let advanced = 0
  const base = Date.now()
  const clock = (): number => base + advanced + (performance.now() - real0)
  const since = (): number => clock() - base

  // The session's life, in virtual time since the wait started.
  const events: Array<{ at: number; apply: () => void }> = []
  const set = (step: Parameters<typeof devin.setSession>[1]): void => {
    devin.setSession(session.sessionId, step)
    stored.state.updated_at = Math.floor(clock() / 1000)
  }
  events.push({ at: 15_000, apply: () => set({ status: 'claimed' }) })
  events.push({ at: 40_000, apply: () => set({ status: 'running', status_detail: 'working' }) })
  let posted = 0
  const gap = mode === 'quiet' ? 10 * 60_000 : 2 * 60_000
  for (let at = 60_000 + rand() * gap; at < stopAtMs; at += gap * (0.5 + rand())) {
    const when = Math.floor(at)
    events.push({
      at: when,
      apply: () => {
        posted++
        set({ messages: [{ message: `progress note @${when}` }] })
      }
    })
  }
  events.push({
    at: stopAtMs,
    apply: () =>
      set({
        status: 'running',
        status_detail: 'finished',
        messages: [{ message: `done @${stopAtMs}` }]
      })
  })
  events.sort((a, b) => a.at - b.at)
  let flip = false
  const advanceWorld = (): void => {
    while (events.length > 0 && (events[0]?.at ?? Infinity) <= since()) events.shift()?.apply()
    const running = stored.state.status === 'running' || stored.state.status === 'resuming'
    if (mode === 'busy') {
      stored.state.updated_at = Math.floor(clock() / 1000)
      stored.state.acus_consumed += 0.01
    }
    if (mode === 'flappy' && running && stored.state.status_detail !== 'finished') {
      flip = !flip
      set(flip ? { status: 'resuming' } : { status: 'running', status_detail: 'working' })
    }
  }

  const edits: number[] = []
  const delays: number[] = []
  let printed = 0
  let noticedAt: number | undefined
  const getSession = client.getSession.bind(client)
  client.getSession = async (org, id) => {
    const s = await getSession(org, id)
    if (noticedAt === undefined && s.status_detail === 'finished') noticedAt = since()
    return s
  }
  const state = followingState(session, { orgId: devin.orgId, clock, slug: 'bench/bench' })
  const quiet = {
    info: () => undefined,
    warning: (m: string) => console.error(`warning: ${m}`),
    debug: () => undefined
  }
  const first = devin.requests.length
  await waitForSession({
    state,
    devin: client,
    orgId: devin.orgId,
    settings: {
      pollIntervalSeconds: intervalMs / 1000,
      timeoutMinutes: 120,
      workspace: process.cwd()
    },
    publish: async () => {
      edits.push(since())
    },
    scrub: (t) => t,
    log: quiet,
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
      const at = Number(/@(\d+)$/.exec(body)?.[1] ?? NaN)
      if (Number.isFinite(at)) delays.push(since() - at)
    }
  })
  const made = devin.requests.slice(first)
  await client.close()
  await devin.close()
  const result = state.report.result
  if (result !== 'finished') throw new Error(`trial ended with result ${result}`)
  if (noticedAt === undefined) throw new Error('the stop was never seen')
  const gaps = edits.slice(1).map((t, i) => t - (edits[i] ?? 0))
  return {
    mode,
    intervalMs,
    stopAtMs,
    requests: made.length,
    sessionGets: made.filter((r) => /\/sessions\/[^/]+$/.test(r.path)).length,
    messageReads: made.filter((r) => r.path.endsWith('/messages')).length,
    requestsPerHour: (made.length * 3_600_000) / stopAtMs,
    latenessMs: noticedAt - stopAtMs,
    edits: edits.length,
    minEditGapMs: gaps.length ? Math.min(...gaps) : Infinity,
    messagesPrinted: printed,
    messagesPosted: posted + 1,
    maxMessageDelayMs: delays.length ? Math.max(...delays) : 0
  }
}

function summarize(trials: Trial[]) {
  const max = (f: (t: Trial) => number): number => Math.max(...trials.map(f))
  const mean = (f: (t: Trial) => number): number =>
    trials.reduce((s, t) => s + f(t), 0) / trials.length
  return {
    trials: trials.length,
    intervalMs: trials[0]?.intervalMs ?? 0,
    requestsPerHourMax: max((t) => t.requestsPerHour),
    requestsPerHourMean: mean((t) => t.requestsPerHour),
    sessionGetsMean: mean((t) => t.sessionGets),
    messageReadsMax: max((t) => t.messageReads),
    latenessMaxMs: max((t) => t.latenessMs),
    latenessMeanMs: mean((t) => t.latenessMs),
    editsMax: max((t) => t.edits),
    minEditGapMs: Math.min(...trials.map((t) => t.minEditGapMs)),
    maxMessageDelayMs: max((t) => t.maxMessageDelayMs),
    allMessagesPrinted: trials.every((t) => t.messagesPrinted === t.messagesPosted)
  }
}

export async function runPollBench(): Promise<{ ok: boolean; result: Record<string, unknown> }> {
  const modes: Array<[Mode, number]> = [
    ['busy', 12],
    ['quiet', 6],
    ['flappy', 2]
  ]
  const out: Record<string, ReturnType<typeof summarize>> = {}
  for (const [mode, n] of modes) {
    const trials: Trial[] = []
    for (let i = 0; i < n; i++) trials.push(await trial(mode, 1000 * (i + 1) + mode.length))
    out[mode] = summarize(trials)
  }
  const s = (v: number): string => `${(v / 1000).toFixed(2)} s`
  const rows: string[][] = [
    [
      'scenario',
      'interval',
      'req/session-h (max)',
      'msg reads (max)',
      'stop noticed late (max / mean)',
      'edits (max)',
      'min edit gap',
      'msg delay (max)'
    ]
  ]
  for (const [mode, r] of Object.entries(out)) {
    rows.push([
      `${mode} ×${r.trials}`,
      s(r.intervalMs),
      r.requestsPerHourMax.toFixed(1),
      String(r.messageReadsMax),
      `${s(r.latenessMaxMs)} / ${s(r.latenessMeanMs)}`,
      String(r.editsMax),
      Number.isFinite(r.minEditGapMs) ? s(r.minEditGapMs) : '—',
      s(r.maxMessageDelayMs)
    ])
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '))

  const busy = out.busy
  const quietR = out.quiet
  const checks = {
    requestsPerHour:
      Math.max(busy?.requestsPerHourMax ?? Infinity, quietR?.requestsPerHourMax ?? Infinity) <=
      MAX_REQUESTS_PER_HOUR,
    lateness: Object.values(out).every((r) => r.latenessMaxMs <= r.intervalMs + SLACK_MS),
    commentGap: Object.values(out).every((r) => r.minEditGapMs >= MIN_EDIT_GAP_MS),
    messagesOnce: Object.values(out).every((r) => r.allMessagesPrinted)
  }
  const ok = Object.values(checks).every(Boolean)
  const result = {
    bench: 'poll',
    requestsPerSessionHour: Number((busy?.requestsPerHourMax ?? NaN).toFixed(1)),
    requestsPerSessionHourQuiet: Number((quietR?.requestsPerHourMax ?? NaN).toFixed(1)),
    targetRequestsPerSessionHour: MAX_REQUESTS_PER_HOUR,
    stopNoticedLateMaxMs: Math.round(
      Math.max(busy?.latenessMaxMs ?? NaN, quietR?.latenessMaxMs ?? NaN)
    ),
    stopNoticedLateMeanMs: Math.round(busy?.latenessMeanMs ?? NaN),
    targetLatenessMs: 30_000 + SLACK_MS,
    commentMinGapMs: Math.round(Math.min(...Object.values(out).map((r) => r.minEditGapMs))),
    checks,
    ok,
    scenarios: out
  }
  console.log(JSON.stringify(result))
  return { ok, result }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { ok } = await runPollBench()
  if (!ok) process.exitCode = 1
}
