/**
 * Runner time for live status (targets.md): handoffs that do not wait, plus a `mode: sync` run
 * every 10 minutes, against `wait: true`, whose step holds its runner for the whole session (60
 * runner-minutes per session-hour, by definition: the floor here, not measured).
 *
 *   node bench/runner-time.ts      (Node 24; the built action: run `npm run build` first)
 *
 * - The sync: the built action with `mode: sync` over a repository of 100 live sessions of which
 *   5 changed (./sync.ts's first scenario, on fresh emulators each time), and the same repository
 *   synced again with nothing changed. Its step time is the process's, spawn to exit; six syncs
 *   an hour cost six of them. Target: under 2 runner-minutes per hour for all of a repository's
 *   sessions together.
 * - A handoff that does not wait: the built action on a pull_request checkout (depth 1, as
 *   actions/checkout leaves it) with `status-check: true`, which creates the session, the sticky
 *   comment and the check run, then ends: what each handoff costs instead of its session's hour.
 *
 * Reported beside, because the bench cannot measure them: GitHub-hosted runners bill each job
 * rounded up to the whole minute (so six syncs an hour bill 6 minutes whatever their time, and
 * each handoff job at least 1), and a job's own setup (runner start, action download) comes on
 * top of its steps. Medians of BENCH_RUNS runs (default 5); prints a table and one JSON line;
 * exits non-zero only when the target is missed.
 */
import './load-src.ts'

const { SCENARIOS, runScenario } = await import('./sync.ts')
const { prScenario } = await import('../test/helpers/scenario.ts')
const { startAction } = await import('../test/helpers/run-action.ts')

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const SYNCS_PER_HOUR = 6
const MAX_RUNNER_MINUTES_PER_HOUR = 2
const WAIT_MINUTES_PER_SESSION_HOUR = 60

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

interface SyncTimes {
  /** The sync that found 5 of 100 changed, and the next one, with nothing changed: ms each. */
  changed: number[]
  unchanged: number[]
}

async function syncTimes(): Promise<SyncTimes> {
  const s = SCENARIOS[0]
  if (!s || s.live !== 100) throw new Error('runner time: the 100-session scenario is missing')
  const out: SyncTimes = { changed: [], unchanged: [] }
  for (let i = 0; i < RUNS; i++) {
    const f = await runScenario('dist', s)
    // Timed only when the sync did what it should: the figures would not mean a sync otherwise.
    if (f.first.synced !== s.changed || f.second.synced !== 0)
      throw new Error(`runner time: the sync synced ${f.first.synced}, then ${f.second.synced}`)
    out.changed.push(f.first.ms)
    out.unchanged.push(f.second.ms)
  }
  return out
}

/** One handoff that does not wait, on a fresh PR checkout: spawn to exit, ms. */
async function handoffMs(): Promise<number> {
  const s = await prScenario()
  try {
    const t0 = performance.now()
    const { child, done } = startAction(s.options({ 'status-check': 'true' }))
    const exited = new Promise<number>((resolve) =>
      child.on('exit', () => resolve(performance.now()))
    )
    const r = await done
    const ms = (await exited) - t0
    const checks = s.github.checkRuns.length
    if (r.code !== 0 || s.devin.createCount !== 1 || s.github.liveComments(7).length !== 1)
      throw new Error(`the handoff did not do its work (exit ${r.code}):\n${r.stdout}`)
    if (checks !== 1) throw new Error(`the handoff wrote ${checks} check runs, not 1`)
    return ms
  } finally {
    await s.close()
  }
}

export interface RunnerTime {
  runs: number
  syncMs: number
  syncMaxMs: number
  unchangedSyncMs: number
  /** The median sync × 6, in runner-minutes an hour. */
  minutesPerHour: number
  handoffMs: number
}

export async function benchRunnerTime(): Promise<RunnerTime> {
  const sync = await syncTimes()
  const handoffs: number[] = []
  for (let i = 0; i < RUNS; i++) handoffs.push(await handoffMs())
  const syncMs = median(sync.changed)
  return {
    runs: RUNS,
    syncMs,
    syncMaxMs: Math.max(...sync.changed),
    unchangedSyncMs: median(sync.unchanged),
    minutesPerHour: (syncMs * SYNCS_PER_HOUR) / 60_000,
    handoffMs: median(handoffs)
  }
}

function report(f: RunnerTime): boolean {
  const ok = f.minutesPerHour < MAX_RUNNER_MINUTES_PER_HOUR
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  console.log('| what | floor | measured | target | met |')
  console.log('| --- | --- | --- | --- | --- |')
  console.log(
    `| runner time for live status: a sync every 10 min, 100 live sessions (5 changed) | \`wait: true\`: ${WAIT_MINUTES_PER_SESSION_HOUR} runner-min per session-hour | sync step ${s(f.syncMs)} (worst ${s(f.syncMaxMs)}; ${s(f.unchangedSyncMs)} with nothing changed) × ${SYNCS_PER_HOUR} = ${f.minutesPerHour.toFixed(2)} runner-min per hour for all sessions | < ${MAX_RUNNER_MINUTES_PER_HOUR} | ${ok ? 'yes' : '**no**'} |`
  )
  console.log(
    `| a handoff that does not wait (PR checkout, \`status-check: true\`) | – | step ${s(f.handoffMs)} per handoff | reported | – |`
  )
  console.log(
    `Billed on GitHub-hosted runners: each job rounds up to the minute, so ${SYNCS_PER_HOUR} syncs bill ${SYNCS_PER_HOUR} runner-minutes an hour and each handoff job at least 1; a job's setup time comes on top and is not measured here.`
  )
  console.log(
    JSON.stringify({
      bench: 'runner-time',
      ...Object.fromEntries(
        Object.entries(f).map(([k, v]) => [k, Number(v.toFixed(k.endsWith('Ms') ? 0 : 3))])
      ),
      billedMinutesPerHour: SYNCS_PER_HOUR,
      waitMinutesPerSessionHour: WAIT_MINUTES_PER_SESSION_HOUR,
      ok
    })
  )
  return ok
}

if (import.meta.main) process.exitCode = report(await benchRunnerTime()) ? 0 : 1
