/**
 * Work before the create request (targets.md row 1), counted rather than timed, and the size of
 * dist/. On a real pull_request checkout, through the built action and both emulators:
 *
 * - git processes the run starts, counted by the PATH shim of test/helpers/git-count.ts, on a
 *   warm checkout (the base already here: target at most 6) and on a fresh one (depth 1 as
 *   actions/checkout leaves it, the base still to fetch: reported). Git runs only to pack the
 *   change, all before the create.
 * - HTTP round trips before the create, the create included: every request either emulator
 *   received up to it, and how many were strictly sequential. A request is sequential when it
 *   arrived after every earlier request had been answered (it could have waited for one); the
 *   first one is. Arrival and answer are stamped in this process, which runs both emulators, on
 *   one clock (./round-trips.ts). Target: at most 2 (the permission lookup and the create) with
 *   `org-id` set; `GET /v3/self` is allowed on top only when `org-id` is empty.
 * - The full dry run's time as a multiple of a bare `node -e 0` (paired, median): reported, not a
 *   target.
 *
 * Prints a table and one JSON line; exits non-zero only when a target is missed.
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { runGit } from '../test/helpers/checkout.ts'
import { makeGitCounter } from '../test/helpers/git-count.ts'
import { prScenario, type PrScenario } from '../test/helpers/scenario.ts'
import { NODE_BIN, REPO_ROOT, runAction } from '../test/helpers/run-action.ts'
import { roundTrips, watchRoundTrips, type RoundTrips } from './round-trips.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 11)
const MAX_GIT = 6
const MAX_SEQUENTIAL = 2
const MAX_DIST_BYTES = 1_500_000

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

export function distBytes(): number {
  const dir = path.join(REPO_ROOT, 'dist')
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => statSync(path.join(dir, f)))
    .reduce((n, st) => n + (st.isFile() ? st.size : 0), 0)
}

/** Async on purpose: the emulators live in this process and must keep answering. */
async function timeRun(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now()
  const child = spawn(NODE_BIN, args, { env, stdio: 'ignore' })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`)
  return performance.now() - t0
}

async function scenario(warm: boolean): Promise<PrScenario> {
  const s = await prScenario()
  if (warm) runGit(s.checkout.workspace, ['fetch', '-q', '--depth=1', 'origin', s.checkout.baseSha])
  return s
}

interface CountedRun {
  git: string[]
  trips: RoundTrips
}

/** One real run (it creates a session), its git processes and round trips counted. */
async function countedRun(warm: boolean, inputs: Record<string, string> = {}): Promise<CountedRun> {
  const s = await scenario(warm)
  const counter = makeGitCounter()
  try {
    const opts = s.options(inputs)
    opts.env = { ...opts.env, PATH: counter.path(process.env.PATH ?? '') }
    const watch = watchRoundTrips([s.github, s.devin])
    const r = await runAction(opts)
    if (r.code !== 0) throw new Error(`the run failed:\n${r.stdout}\n${r.stderr}`)
    const isCreate = (q: { method: string; path: string }): boolean =>
      q.method === 'POST' && /\/sessions$/.test(q.path)
    return {
      git: counter.started().map((c) => c.args.slice(0, 2).join(' ')),
      trips: roundTrips(watch.stop(), isCreate)
    }
  } finally {
    counter.cleanup()
    await s.close()
  }
}

/** The dry run against a bare `node -e 0`, paired A B A B; medians. */
async function dryRunTimes(): Promise<{ floorMs: number; dryRunMs: number }> {
  const s = await scenario(true)
  try {
    const probe = await runAction(s.options({ 'dry-run': 'true' }, { keepTemp: true }))
    if (probe.code !== 0) throw new Error(`dry run failed:\n${probe.stdout}`)
    const entry = path.join(REPO_ROOT, 'dist', 'index.js')
    const floor: number[] = []
    const dry: number[] = []
    for (let i = 0; i < RUNS; i++) {
      floor.push(await timeRun(['-e', '0'], probe.env))
      dry.push(await timeRun([entry], probe.env))
    }
    return { floorMs: median(floor), dryRunMs: median(dry) }
  } finally {
    await s.close()
  }
}

export interface StartupFigures {
  gitWarm: string[]
  gitFresh: string[]
  trips: RoundTrips
  tripsNoOrg: RoundTrips
  floorMs: number
  dryRunMs: number
  distBytes: number
}

export async function benchStartup(): Promise<StartupFigures> {
  const warm = await countedRun(true)
  const fresh = await countedRun(false)
  const noOrg = await countedRun(true, { 'org-id': '' })
  const times = await dryRunTimes()
  return {
    gitWarm: warm.git,
    gitFresh: fresh.git,
    trips: warm.trips,
    tripsNoOrg: noOrg.trips,
    ...times,
    distBytes: distBytes()
  }
}

function report(f: StartupFigures): boolean {
  const ok = {
    git: f.gitWarm.length <= MAX_GIT,
    trips: f.trips.sequential <= MAX_SEQUENTIAL,
    // Only the org lookup may come on top, and only without an org-id.
    tripsNoOrg: f.tripsNoOrg.sequential <= MAX_SEQUENTIAL + 1,
    dist: f.distBytes <= MAX_DIST_BYTES
  }
  const yes = (b: boolean): string => (b ? 'yes' : '**no**')
  const seq = (t: RoundTrips): string =>
    `${t.sequential} sequential of ${t.requests} (${t.order.join(', ')})`
  console.log('| what | figure | target | met |')
  console.log('| --- | --- | --- | --- |')
  console.log(
    `| git processes, warm PR checkout | ${f.gitWarm.length}: ${f.gitWarm.join(', ')} | ≤ ${MAX_GIT} | ${yes(ok.git)} |`
  )
  console.log(
    `| git processes, fresh depth-1 checkout | ${f.gitFresh.length}: ${f.gitFresh.join(', ')} | reported | – |`
  )
  console.log(
    `| HTTP round trips up to the create | ${seq(f.trips)} | ≤ ${MAX_SEQUENTIAL} sequential | ${yes(ok.trips)} |`
  )
  console.log(
    `| the same, \`org-id\` empty | ${seq(f.tripsNoOrg)} | ≤ ${MAX_SEQUENTIAL} + \`GET /v3/self\` | ${yes(ok.tripsNoOrg)} |`
  )
  console.log(
    `| full dry run | ${f.dryRunMs.toFixed(0)} ms = ${(f.dryRunMs / f.floorMs).toFixed(1)} × \`node -e 0\` (${f.floorMs.toFixed(0)} ms) | reported | – |`
  )
  console.log(
    `| \`dist/\` size | ${(f.distBytes / 1e6).toFixed(2)} MB | ≤ ${MAX_DIST_BYTES / 1e6} MB | ${yes(ok.dist)} |`
  )
  console.log(
    JSON.stringify({
      bench: 'startup',
      gitWarm: f.gitWarm.length,
      gitFresh: f.gitFresh.length,
      sequential: f.trips.sequential,
      requests: f.trips.requests,
      sequentialNoOrg: f.tripsNoOrg.sequential,
      floorMs: Math.round(f.floorMs),
      dryRunMs: Math.round(f.dryRunMs),
      dryRunTimesFloor: Number((f.dryRunMs / f.floorMs).toFixed(2)),
      distBytes: f.distBytes
    })
  )
  return Object.values(ok).every(Boolean)
}

if (import.meta.main) process.exitCode = report(await benchStartup()) ? 0 : 1
