/**
 * Reading the change from the GitHub API is expected without any checkout (the
 * pull_request_target recipe): an info line, not a warning on every run. With a `.git` that git
 * could not read it stays a warning.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { packChange, type PullFile } from '../../../src/handoff/pack.ts'
import type { Target } from '../../../src/run/target.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
function workspace(): string {
  const d = mkdtempSync(join(tmpdir(), 'pack-api-'))
  dirs.push(d)
  return d
}

const target: Target = {
  owner: 'o',
  repo: 'r',
  slug: 'o/r',
  eventName: 'pull_request_target',
  headRef: 'feature',
  headSha: 'a'.repeat(40),
  baseRef: 'main',
  baseSha: 'b'.repeat(40),
  pr: {
    number: 1,
    url: 'https://github.com/o/r/pull/1',
    title: 't',
    body: 'b',
    author: 'a',
    isFork: true,
    headRepo: 'eve/r',
    draft: false
  }
}

const file: PullFile = {
  filename: 'src/a.ts',
  status: 'modified',
  additions: 1,
  deletions: 1,
  changes: 2,
  patch: '@@ -1 +1 @@\n-old\n+new'
}

async function packed(ws: string) {
  const logged = { info: [] as string[], warning: [] as string[] }
  const change = await packChange({
    workspace: ws,
    target,
    includeDiff: true,
    includeUncommitted: false,
    maxDiffBytes: 100_000,
    excludePaths: [],
    secretScan: 'off',
    pullFiles: async function* () {
      yield file
    },
    log: {
      info: (m) => logged.info.push(m),
      warning: (m) => logged.warning.push(m),
      debug: () => {}
    }
  })
  return { change, logged }
}

const API_LINE = /^Reading the change from the GitHub API instead of git: /

describe('the GitHub API as the source of the change', () => {
  it('is an info line when there is no checkout at all', async () => {
    const { change, logged } = await packed(workspace())
    expect(change.source).toBe('api')
    expect(logged.warning).toEqual([])
    expect(logged.info.filter((m) => API_LINE.test(m))).toHaveLength(1)
  })

  it('stays a warning when a .git is there that git cannot read', async () => {
    const ws = workspace()
    mkdirSync(join(ws, '.git'))
    writeFileSync(join(ws, '.git', 'HEAD'), 'not a ref\n')
    const { change, logged } = await packed(ws)
    expect(change.source).toBe('api')
    expect(logged.warning.filter((m) => API_LINE.test(m))).toHaveLength(1)
    expect(logged.info.filter((m) => API_LINE.test(m))).toEqual([])
  })
})
