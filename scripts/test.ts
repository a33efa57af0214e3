/**
 * The one test command (`npm test`): formatting, lint, types, the import rules of src/
 * (.dependency-cruiser.cjs), a fresh build that must equal the committed `dist/`, actionlint over
 * every workflow and README example, then the vitest suites (unit and end-to-end against the
 * built action). Every stage runs even when an earlier one
 * fails, and the last line is `N passed, N failed` over the checks and the tests together.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { lintWorkflows } from './actionlint.ts'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name)
const only = process.argv.slice(2)

interface Stage {
  name: string
  run: () => boolean | Promise<boolean>
}

function sh(cmd: string, args: string[]): boolean {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env })
  return res.status === 0
}

function distMatchesBuild(): boolean {
  if (!sh(process.execPath, ['scripts/build.ts'])) return false
  const git = spawnSync('git', ['status', '--porcelain', '--', 'dist'], {
    cwd: root,
    encoding: 'utf8'
  })
  if (git.status !== 0) {
    console.log('dist check: not a git checkout; built only')
    return true
  }
  if (git.stdout.trim() !== '') {
    console.log(`dist/ differs from what the build produces:\n${git.stdout}`)
    console.log("Run 'npm run build' and commit dist/ with the source change.")
    return false
  }
  return true
}

let vitestPassed = 0
let vitestFailed = 0

function vitest(): boolean {
  const report = path.join(root, 'build', 'vitest.json')
  rmSync(report, { force: true })
  const ok = sh(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`
  ])
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number
      numFailedTests: number
    }
    vitestPassed = json.numPassedTests
    vitestFailed = json.numFailedTests
  }
  if (!ok && vitestFailed === 0) vitestFailed = 1 // a crash before any test counts as a failure
  return ok
}

const stages: Stage[] = [
  { name: 'format', run: () => sh(bin('prettier'), ['--check', '--log-level', 'warn', '.']) },
  { name: 'lint', run: () => sh(bin('eslint'), ['--max-warnings', '0', '.']) },
  { name: 'types', run: () => sh(bin('tsc'), ['-p', 'tsconfig.test.json']) },
  {
    name: 'deps',
    run: () => sh(bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs'])
  },
  { name: 'dist', run: distMatchesBuild },
  { name: 'actionlint', run: () => lintWorkflows(root) },
  { name: 'vitest', run: vitest }
]

let passed = 0
let failed = 0
for (const stage of stages) {
  if (only.length > 0 && !only.includes(stage.name)) continue
  console.log(`\n=== ${stage.name} ===`)
  const started = Date.now()
  const ok = await stage.run()
  console.log(
    `=== ${stage.name}: ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s) ===`
  )
  if (stage.name === 'vitest') continue
  if (ok) passed++
  else failed++
}
passed += vitestPassed
failed += vitestFailed
console.log(`\n${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
