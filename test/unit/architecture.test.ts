/**
 * The import rules in .dependency-cruiser.cjs hold for src/, and they bite: a copy of src/ with a
 * planted import against the flow, or a credential read outside the factories, is refused.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')
const BIN = path.join(ROOT, 'node_modules', '.bin', 'depcruise')
const scratch: string[] = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

function cruise(root: string): { code: number | null; out: string } {
  const r = spawnSync(BIN, ['src', '--config', path.join(ROOT, '.dependency-cruiser.cjs')], {
    cwd: root,
    encoding: 'utf8'
  })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

/** A copy of src/ (and the tsconfig the rules resolve with) with `line` put atop `file`. */
function plant(edits: Array<[file: string, line: string]>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'arch-'))
  scratch.push(dir)
  cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true })
  cpSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'))
  for (const [file, line] of edits) {
    const abs = path.join(dir, file)
    writeFileSync(abs, `${line}\n${readFileSync(abs, 'utf8')}`)
  }
  return dir
}

describe('import rules', () => {
  it('hold for src/', () => {
    const r = cruise(ROOT)
    expect(r.out).toMatch(/no dependency violations found/)
    expect(r.code).toBe(0)
  })

  it.each([
    [
      'a type flowing back from the state into the Devin edge',
      'src/devin/status.ts',
      "import type { Report } from '../state/run-state.js'\nexport type Planted = Report",
      /error flow-devin: src\/devin\/status\.ts → src\/state\/run-state\.ts/
    ],
    [
      'the packer importing the reporter',
      'src/handoff/prompt.ts',
      "import '../report/render.js'",
      /error flow-handoff: src\/handoff\/prompt\.ts → src\/report\/render\.ts/
    ],
    [
      'a credential revealed outside the client factories',
      'src/lifecycle/wait.ts',
      "import '../credentials/reveal.js'",
      /error credentials-revealed-by-factories-only/
    ],
    [
      'a stage writing to the runner around the egress gate',
      'src/run/trigger.ts',
      "import * as core from '@actions/core'\nexport const planted = core.info",
      /error runner-written-by-egress-only: src\/run\/trigger\.ts/
    ],
    [
      'the Devin edge reaching into the GitHub edge',
      'src/devin/client.ts',
      "import '../github/errors.js'",
      /error apart-devin/
    ]
  ])('refuse %s', (_what, file, line, message) => {
    const r = cruise(plant([[file, line]]))
    expect(r.out).toMatch(message)
    expect(r.code).not.toBe(0)
  })

  it('refuse a cycle', () => {
    const r = cruise(
      plant([
        ['src/hygiene/fence.ts', "import './scrub.js'"],
        ['src/hygiene/scrub.ts', "import './fence.js'"]
      ])
    )
    expect(r.out).toMatch(/error no-circular: src\/hygiene\/(fence|scrub)\.ts/)
    expect(r.code).not.toBe(0)
  })

  it('keep every module in a concern folder but the entries', () => {
    const loose = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
    expect(loose.sort()).toEqual(['index.ts', 'main.ts', 'post.ts'])
  })

  it('keep src/main.ts the pipeline, and every file within reason', () => {
    const lines = (f: string): number => readFileSync(path.join(ROOT, f), 'utf8').split('\n').length
    expect(lines('src/main.ts')).toBeLessThan(100)
    const files = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `src/${f}`)
    const long = files.filter((f) => lines(f) > 400)
    expect(long).toEqual([])
  })
})
