/**
 * `mode: sync` benchmark: what refreshing a repository's sessions costs, counted.
 *
 *   node bench/sync.ts            (Node 24; the built action: run `npm run build` first)
 *   node bench/sync.ts --engine   (the engine from source instead, no build needed)
 *
 * Two scenarios: 100 sessions carrying the repository's live tag of which 5 changed, and 1,000 of
 * which 50 changed (1 in 20 of the tagged ones not the action's; half as many again not listed:
 * other repositories', ended, untagged). Each seeds the emulators as handoffs that did not wait
 * leave them, runs a sync, then another with nothing changed. By default each sync is the built
 * action, `dist/index.js` under Node 24 with `mode: sync`, against the Devin and GitHub emulators
 * (./sync-rig.ts `distRig`): its time is the process's, spawn to exit; its memory is the process
 * tree's, sampled from /proc (./tree-memory.ts), or the sum of each process's own peak when larger.
 *
 * Requests are counted off the emulators: list requests, Devin requests, GitHub writes and reads
 * per changed session, anything done to a session that had not changed, a second run's writes.
 *
 * Targets (targets.md): 100/5: at most 2 list requests, 2 Devin requests and 2 GitHub writes per
 * changed session, 0 writes when nothing changed, under 10 s. 1,000/50: at most 10 list
 * requests, under 30 s, under 150 MB. Both: only the changed sessions touched, each synced and
 * said so (`synced`), no warning. Prints a table and one JSON line; exits non-zero only when a
 * target is missed.
 */
import './load-src.ts'
import * as path from 'node:path'
// Types only: erased, so nothing of src loads before the hooks.
import type { Figures, Rig } from './sync-rig.ts'

const { distRig, engineRig, measure, peakMbOf } = await import('./sync-rig.ts')

export interface Scenario {
  name: string
  live: number
  changed: number
  maxList: number
  maxMs: number
  maxMb?: number
}

export const SCENARIOS: Scenario[] = [
  { name: '100/5', live: 100, changed: 5, maxList: 2, maxMs: 10_000 },
  { name: '1000/50', live: 1000, changed: 50, maxList: 10, maxMs: 30_000, maxMb: 150 }
]
const MAX_DEVIN_PER_CHANGED = 2
const MAX_GITHUB_PER_CHANGED = 2

export type RigKind = 'dist' | 'engine'
export const makeRig = (kind: RigKind): Promise<Rig> =>
  kind === 'engine' ? engineRig() : distRig()

/** The larger of the two runs' peaks. */
const peakOf = (f: Figures): number => Math.max(peakMbOf(f.first.memory), peakMbOf(f.second.memory))

function checksOf(s: Scenario, f: Figures): Record<string, boolean> {
  return {
    lists: f.listRequests <= s.maxList,
    devinPerChanged: f.devinPerChangedMax <= MAX_DEVIN_PER_CHANGED,
    githubPerChanged: f.githubPerChangedMax <= MAX_GITHUB_PER_CHANGED,
    onlyChanged:
      f.touchedOthers === 0 &&
      f.changed === s.changed &&
      f.allSynced &&
      f.first.synced === f.changed &&
      f.first.warnings.length === 0,
    secondNoWrites:
      f.second.devinWrites === 0 && f.second.githubWrites === 0 && f.second.synced === 0,
    time: f.first.ms < s.maxMs,
    memory: s.maxMb === undefined || peakOf(f) < s.maxMb
  }
}

/** One scenario on a fresh rig: seeded, synced twice, measured. */
export async function runScenario(kind: RigKind, s: Scenario): Promise<Figures> {
  const rig = await makeRig(kind)
  let figures: Figures | undefined
  try {
    figures = await measure(rig, s.live, s.changed)
  } finally {
    // Closing checks every request and answer against the APIs' descriptions.
    await rig.close()
  }
  return figures
}

function printTable(rows: Array<{ s: Scenario; f: Figures; ok: boolean }>): void {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  const lines: string[][] = [
    [
      'live/changed',
      'list req',
      'Devin req/changed',
      'GitHub writes/changed (reads)',
      'others touched',
      '2nd run: writes',
      'wall time (2nd run)',
      'peak memory, process tree',
      'met'
    ]
  ]
  for (const { s, f, ok } of rows) {
    lines.push([
      s.name,
      `${f.listRequests} (≤ ${s.maxList})`,
      `${f.devinPerChangedMax} (≤ ${MAX_DEVIN_PER_CHANGED})`,
      `${f.githubPerChangedMax} (≤ ${MAX_GITHUB_PER_CHANGED}) (${f.githubReadsPerChangedMax})`,
      String(f.touchedOthers),
      String(f.second.devinWrites + f.second.githubWrites),
      `${sec(f.first.ms)} (${sec(f.second.ms)}), < ${sec(s.maxMs)}`,
      `${peakOf(f).toFixed(1)} MB${s.maxMb === undefined ? '' : `, < ${s.maxMb} MB`}`,
      ok ? 'yes' : 'NO'
    ])
  }
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? []
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '))
  for (const { s, f } of rows)
    for (const w of [...f.first.warnings, ...f.second.warnings]) console.log(`${s.name}: ${w}`)
}

export async function runSyncBench(
  kind: RigKind
): Promise<{ ok: boolean; result: Record<string, unknown> }> {
  const rows: Array<{ s: Scenario; f: Figures; checks: Record<string, boolean>; ok: boolean }> = []
  for (const s of SCENARIOS) {
    const f = await runScenario(kind, s)
    const checks = checksOf(s, f)
    rows.push({ s, f, checks, ok: Object.values(checks).every(Boolean) })
  }
  printTable(rows)
  const ok = rows.every((x) => x.ok)
  const result = {
    bench: 'sync',
    rig: kind,
    scenarios: rows.map(({ s, f, checks }) => ({
      scenario: s.name,
      ...f,
      peakMb: Number(peakOf(f).toFixed(1)),
      checks
    })),
    ok
  }
  console.log(JSON.stringify(result))
  return { ok, result }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const kind: RigKind =
    process.argv.includes('--engine') || process.env.BENCH_SYNC_RIG === 'engine' ? 'engine' : 'dist'
  const { ok } = await runSyncBench(kind)
  if (!ok) process.exitCode = 1
}
