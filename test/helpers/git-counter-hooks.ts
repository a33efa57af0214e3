/**
 * The git counter (./git-count.ts) as a test file uses it: one per test, its shim on PATH while
 * the test runs. Apart from git-count.ts so that the bench, which counts git too, never loads
 * vitest.
 */
import { afterEach, beforeEach } from 'vitest'
import { makeGitCounter, type GitCounter } from './git-count.ts'

/** A test file's counter: the calls of the current test, and the subcommands the action started. */
export type TestGitCounter = Pick<GitCounter, 'calls' | 'started' | 'reset'> & {
  commands(): string[]
}

/**
 * A fresh counter for every test of the file, its shim first on PATH while the test runs (the
 * PATH is put back and the shim removed after each).
 */
export function useGitCounter(): TestGitCounter {
  let current: GitCounter | undefined
  const savedPath = process.env.PATH
  beforeEach(() => {
    current = makeGitCounter()
    process.env.PATH = current.path(savedPath ?? '')
  })
  afterEach(() => {
    process.env.PATH = savedPath
    current?.cleanup()
    current = undefined
  })
  const now = (): GitCounter => {
    if (!current) throw new Error('useGitCounter: read outside a test')
    return current
  }
  return {
    calls: () => now().calls(),
    started: () => now().started(),
    reset: () => now().reset(),
    commands: () =>
      now()
        .started()
        .map((c) => c.command)
  }
}
