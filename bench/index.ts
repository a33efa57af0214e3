/**
 * `npm run bench`: every figure of targets.md, each next to its floor measured on this machine
 * in the same run. Each bench is its own script (they can be run alone); this runs them in turn
 * and exits 0 only when every target they measure holds. startup, sync and runner-time run the
 * built action: build it first (`npm run build`).
 */
import { spawnSync } from 'node:child_process'
import * as path from 'node:path'

const here = import.meta.dirname
const BENCHES = ['startup.ts', 'poll.ts', 'pack.ts', 'sync.ts', 'runner-time.ts']

let failed = 0
for (const bench of BENCHES) {
  console.log(`\n=== bench/${bench} ===`)
  const res = spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', path.join(here, bench)],
    { stdio: 'inherit' }
  )
  if (res.status !== 0) {
    failed++
    console.log(`=== bench/${bench}: target missed or failed (exit ${res.status}) ===`)
  }
}
console.log(
  failed > 0 ? `\n${failed} of ${BENCHES.length} benches missed a target.` : `\nEvery target holds.`
)
process.exitCode = failed > 0 ? 1 : 0
