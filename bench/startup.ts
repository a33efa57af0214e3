/**
 * Start-up and size benchmark (targets.md): the built action's time from process start to its
 * first Devin request, next to a bare `node -e 0` on the same machine, and the size of dist/.
 *
 * Two figures are measured, each the median of several runs:
 * - dry run: process start to exit of a `dry-run: true` handoff of a real PR checkout (it packs
 *   the change and builds the prompt, and stops where it would send: an upper bound of the
 *   target's "up to the point it would send");
 * - real run: process start to the moment the Devin emulator receives the create request, with
 *   the contract's defaults (permission check through the GitHub emulator included).
 */
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { prScenario } from '../test/helpers/scenario.ts'
import { NODE_BIN, REPO_ROOT, runAction } from '../test/helpers/run-action.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 11)
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

/** Async on purpose: the emulators live in this process and must keep answering. */
async function timeRun(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now()
  const child = spawn(NODE_BIN, args, { env, stdio: 'ignore' })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`)
  return performance.now() - t0
}

export function distBytes(): number {
  const dir = path.join(REPO_ROOT, 'dist')
  return readdirSync(dir).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0)
}

export interface StartupFigures {
  floorMs: number
  /** Dry run with no work to do (no diff, no scan, no permission lookup): the bundle's own cost. */
  bareMs: number
  dryRunMs: number
  firstRequestMs: number
  distBytes: number
}

export async function benchStartup(): Promise<StartupFigures> {
  const s = await prScenario()
  try {
    // One run through the harness gives the exact runner environment; later runs reuse it.
    const probe = await runAction(s.options({ 'dry-run': 'true' }, { keepTemp: true }))
    if (probe.code !== 0) throw new Error(`dry run failed:\n${probe.stdout}`)
    const env = probe.env
    const entry = path.join(REPO_ROOT, 'dist', 'index.js')
    const bareEnv = {
      ...env,
      'INPUT_INCLUDE-DIFF': 'false',
      'INPUT_INCLUDE-UNCOMMITTED': 'false',
      'INPUT_SECRET-SCAN': 'off',
      'INPUT_REQUIRE-PERMISSION': 'none'
    }
    const floor: number[] = []
    const bare: number[] = []
    const dry: number[] = []
    for (let i = 0; i < RUNS; i++) {
      floor.push(await timeRun(['-e', '0'], env))
      bare.push(await timeRun([entry], bareEnv))
      dry.push(await timeRun([entry], env))
    }
    const realEnv = { ...env, 'INPUT_DRY-RUN': 'false', INPUT_COMMENT: 'false' }
    const first: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const before = s.devin.requests.length
      const t0 = Date.now()
      const child = spawn(NODE_BIN, [entry], { env: realEnv, stdio: 'ignore' })
      await new Promise((resolve) => child.on('exit', resolve))
      const req = s.devin.requests.slice(before).find((r) => r.method === 'POST')
      if (!req) throw new Error('the real run sent no create request')
      first.push(req.at - t0)
    }
    return {
      floorMs: median(floor),
      bareMs: median(bare),
      dryRunMs: median(dry),
      firstRequestMs: median(first),
      distBytes: distBytes()
    }
  } finally {
    await s.close()
  }
}

if (import.meta.main) {
  const f = await benchStartup()
  const over = f.dryRunMs - f.floorMs
  console.log(`node -e 0 (floor)             ${f.floorMs.toFixed(0)} ms`)
  console.log(
    `bare start-up (no work)       ${f.bareMs.toFixed(0)} ms  (+${(f.bareMs - f.floorMs).toFixed(0)} ms)`
  )
  console.log(
    `dry run, start to exit        ${f.dryRunMs.toFixed(0)} ms  (+${over.toFixed(0)} ms; target +60)`
  )
  console.log(
    `real run, start to 1st create ${f.firstRequestMs.toFixed(0)} ms  (+${(f.firstRequestMs - f.floorMs).toFixed(0)} ms)`
  )
  console.log(`dist/ size                    ${(f.distBytes / 1e6).toFixed(2)} MB  (target 1.5 MB)`)
  console.log(JSON.stringify({ bench: 'startup', ...f }))
  process.exitCode = over <= 60 && f.distBytes <= 1_500_000 ? 0 : 1
}
