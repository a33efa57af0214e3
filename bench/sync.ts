/**
 * `mode: sync` benchmark: what refreshing a repository's sessions costs, counted.
 *
 *   node bench/sync.ts            (Node 24)
 *
 * Two scenarios: 100 sessions carrying the repository's live tag of which 5 changed, and 1,000 of
 * which 50 changed (1 in 20 of the tagged ones not the action's; half as many again not listed:
 * other repositories', ended, untagged). Each seeds the emulators, runs a sync, then another with
 * nothing changed. Each sync is a process of its own, as the action is (./sync-rig.ts): its time
 * is the process's, start to exit, and its peak memory is the whole process's resident set
 * (`maxRSS`), the TypeScript loader that a bundled action does not carry included.
 *
 * Requests are counted off the emulators: list requests, Devin requests and GitHub writes per
 * changed session, and anything done to a session that had not changed.
 *
 * Targets (targets.md): 100/5: at most 2 list requests, 2 Devin requests and 2 GitHub writes per
 * changed session, 0 writes when nothing changed, under 10 s. 1,000/50: at most 10 list
 * requests, under 30 s, under 150 MB. Prints a table and one JSON line; exits non-zero only when
 * a target is missed.
 */
import { registerHooks, stripTypeScriptTypes } from 'node:module'
import * as path from 'node:path'
// Types only: erased, so nothing of src loads before the hooks below.
import type { Figures } from './sync-rig.ts'

// src uses NodeNext `.js` specifiers for its `.ts` files, and may use TypeScript syntax plain
// type stripping refuses: transform those files (as ./poll.ts does).
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

const { engineRig, measure } = await import('./sync-rig.ts')

interface Scenario {
  name: string
  live: number
  changed: number
  maxList: number
  maxMs: number
  maxMb?: number
}

const SCENARIOS: Scenario[] = [
  { name: '100/5', live: 100, changed: 5, maxList: 2, maxMs: 10_000 },
  { name: '1000/50', live: 1000, changed: 50, maxList: 10, maxMs: 30_000, maxMb: 150 }
]
const MAX_DEVIN_PER_CHANGED = 2
const MAX_GITHUB_PER_CHANGED = 2

/** The run's own peak when it told it, else the sampled one; the larger of the two runs. */
const peakOf = (f: Figures): number =>
  Math.max(...[f.first, f.second].map((r) => r.peakMb ?? r.sampledPeakMb))

function checksOf(s: Scenario, f: Figures): Record<string, boolean> {
  return {
    lists: f.listRequests <= s.maxList,
    devinPerChanged: f.devinPerChangedMax <= MAX_DEVIN_PER_CHANGED,
    githubPerChanged: f.githubPerChangedMax <= MAX_GITHUB_PER_CHANGED,
    onlyChanged: f.touchedOthers === 0 && f.changed === s.changed && f.allSynced,
    secondNoWrites: f.second.devinWrites === 0 && f.second.githubWrites === 0,
    time: f.first.ms < s.maxMs,
    memory: s.maxMb === undefined || peakOf(f) < s.maxMb
  }
}

function printTable(rows: Array<{ s: Scenario; f: Figures; ok: boolean }>): void {
  const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  const lines: string[][] = [
    [
      'live/changed',
      'list req',
      'Devin req/changed',
      'GitHub writes/changed',
      'others touched',
      '2nd run: writes',
      'run time (2nd run)',
      'peak memory',
      'met'
    ]
  ]
  for (const { s, f, ok } of rows) {
    lines.push([
      s.name,
      `${f.listRequests} (≤ ${s.maxList})`,
      `${f.devinPerChangedMax} (≤ ${MAX_DEVIN_PER_CHANGED})`,
      `${f.githubPerChangedMax} (≤ ${MAX_GITHUB_PER_CHANGED})`,
      String(f.touchedOthers),
      String(f.second.devinWrites + f.second.githubWrites),
      `${sec(f.first.ms)} (${sec(f.second.ms)}), < ${sec(s.maxMs)}`,
      `${peakOf(f).toFixed(1)} MB${s.maxMb === undefined ? '' : `, < ${s.maxMb} MB`}`,
      ok ? 'yes' : 'NO'
    ])
  }
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? []
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '))
}

export async function runSyncBench(): Promise<{ ok: boolean; result: Record<string, unknown> }> {
  const rows: Array<{ s: Scenario; f: Figures; checks: Record<string, boolean>; ok: boolean }> = []
  for (const s of SCENARIOS) {
    const rig = await engineRig()
    try {
      const f = await measure(rig, s.live, s.changed)
      const checks = checksOf(s, f)
      rows.push({ s, f, checks, ok: Object.values(checks).every(Boolean) })
    } finally {
      await rig.close()
    }
  }
  printTable(rows)
  const ok = rows.every((x) => x.ok)
  const result = {
    bench: 'sync',
    rig: 'each sync a process: the engine, the real Devin client, the GitHub fake',
    scenarios: rows.map(({ s, f, checks }) => ({
      scenario: s.name,
      ...f,
      peakMb: peakOf(f),
      checks
    })),
    ok
  }
  console.log(JSON.stringify(result))
  return { ok, result }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { ok } = await runSyncBench()
  if (!ok) process.exitCode = 1
}
