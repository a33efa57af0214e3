/**
 * `npm run bench`: every figure of targets.md, each next to its floor measured on this machine
 * in the same run. Each bench is its own script (they can be run alone); this runs them in turn
 * and fails if any misses its target.
 */
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'

const here = import.meta.dirname
let failed = 0
for (const bench of ['startup.ts', 'poll.ts', 'pack.ts']) {
  console.log(`\n=== bench/${bench} ===`)
  const res = spawnSync(process.execPath, [path.join(here, bench)], { stdio: 'inherit' })
  if (res.status !== 0) {
    failed++
    console.log(`=== bench/${bench}: target missed or failed (exit ${res.status}) ===`)
  }
}
process.exitCode = failed > 0 ? 1 : 0
