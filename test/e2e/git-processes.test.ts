/**
 * Work before the create request, counted (targets.md): the git processes the built action starts
 * on a pull_request run, through the PATH shim of test/helpers/git-count.ts. A warm checkout (the
 * base already here) takes at most 6; a fresh one (depth 1, the base still to fetch) one more.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { runGit, writeFiles } from '../helpers/checkout.ts'
import { fileListOf, hunksOf, promptContext, sentPrompt } from '../helpers/events.ts'
import { makeGitCounter, type GitCounter } from '../helpers/git-count.ts'
import { runAction, type ActionResult } from '../helpers/run-action.ts'
import { prScenario, type PrScenario } from '../helpers/scenario.ts'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function setup(warm: boolean): Promise<{ s: PrScenario; counter: GitCounter }> {
  const s = await prScenario()
  const counter = makeGitCounter()
  cleanups.push(
    () => s.close(),
    () => counter.cleanup()
  )
  const ws = s.checkout.workspace
  if (warm) runGit(ws, ['fetch', '-q', '--depth=1', 'origin', s.checkout.baseSha])
  // Uncommitted work of both kinds, so every section really runs.
  writeFiles(ws, { 'README.md': '# Widgets\n\nEdited in CI.\n', 'notes.txt': 'untracked\n' })
  return { s, counter }
}

async function run(s: PrScenario, counter: GitCounter): Promise<ActionResult> {
  const opts = s.options()
  opts.env = { ...opts.env, PATH: counter.path(process.env.PATH ?? '') }
  counter.reset()
  const r = await runAction(opts)
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
  return r
}

/** How many times each command ran, e.g. { 'rev-parse': 1, diff: 2 }. */
function tally(counter: GitCounter): Record<string, number> {
  const out: Record<string, number> = {}
  for (const c of counter.started()) out[c.command] = (out[c.command] ?? 0) + 1
  return out
}

function expectSameChange(s: PrScenario): void {
  const prompt = sentPrompt(s.devin)
  expect(hunksOf(prompt)).toContain('+export function mul(a: number, b: number): number {')
  expect(fileListOf(prompt, 'uncommitted').join('\n')).toMatch(/README\.md[^]*notes\.txt/)
  expect(hunksOf(prompt, 'uncommitted')).toContain('+Edited in CI.')
  expect(promptContext(prompt).sourceNote).toContain('HEAD^1..HEAD on the merge commit')
}

describe('git processes of a pull_request run', () => {
  it('a warm checkout: at most 6, each check asked once', async () => {
    const { s, counter } = await setup(true)
    await run(s, counter)
    const calls = counter.started().map((c) => c.args.slice(0, 3).join(' '))
    expect(calls.length, calls.join('\n')).toBeLessThanOrEqual(6)
    expect(tally(counter)).toEqual({
      'rev-parse': 1,
      'cat-file': 1,
      'update-index': 1,
      diff: 2,
      'ls-files': 1
    })
    expectSameChange(s)
  })

  it('a fresh depth-1 checkout: one more, the fetch of the base', async () => {
    const { s, counter } = await setup(false)
    await run(s, counter)
    expect(tally(counter)).toEqual({
      'rev-parse': 1,
      'cat-file': 1,
      'update-index': 1,
      fetch: 1,
      diff: 2,
      'ls-files': 1
    })
    expectSameChange(s)
  })
})
