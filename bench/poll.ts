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
import * as path from 'node:path'
// First: lets Node load src/ (NodeNext `.js` specifiers, TypeScript syntax to transform).
import './load-src.ts'
// Types only: erased, so nothing of src loads before the hooks above.
import type { Mode, Trial } from './poll-trials.ts'

const { startDevinEmulator } = await import('../test/emulators/devin.ts')
const { MAX_PER_POLL, realTrial, virtualTrial } = await import('./poll-trials.ts')

const MAX_PER_HOUR = 240
const SLACK_MS = 1000
const MIN_EDIT_GAP_MS = 10_000

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
