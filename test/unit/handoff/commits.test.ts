/**
 * The few git processes before the diff: one `rev-parse` for the top level and shallowness, one
 * `cat-file --batch` for every commit check, and git run through @actions/exec without a word to
 * the runner's log. Processes are counted with the PATH shim of test/helpers/git-count.ts.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { exec } from '@actions/exec'
import { describe, expect, it, vi } from 'vitest'
import { git, gitStream } from '../../../src/handoff/git.ts'
import { readCommits, resolveRange, topLevel } from '../../../src/handoff/range.ts'
import { makeLocalRepo, makePullRequestCheckout, runGit } from '../../helpers/checkout.ts'
import { scratchSpace } from '../../helpers/scratch.ts'
import { useGitCounter } from '../../helpers/git-counter-hooks.ts'

const { track, scratch } = scratchSpace('commits-test-')

const counter = useGitCounter()
const commands = counter.commands

const PR = {
  base: { 'a.txt': 'one\n' },
  head: { 'a.txt': 'one\ntwo\n' }
}

describe('topLevel', () => {
  it('says where the top level is and whether the checkout is shallow, in one process', async () => {
    const fx = track(makePullRequestCheckout(PR))
    counter.reset()
    expect(await topLevel(fx.workspace)).toEqual({ top: fx.workspace, shallow: true })
    expect(commands()).toEqual(['rev-parse'])
    const full = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    expect(await topLevel(full.workspace)).toEqual({ top: full.workspace, shallow: false })
  })

  it('keeps a top level whose name holds a line break', async () => {
    const dir = join(scratch(), 'odd\nname')
    mkdirSync(dir)
    runGit(dir, ['init', '-q'])
    expect(await topLevel(dir)).toEqual({ top: dir, shallow: false })
  })
})

describe('readCommits', () => {
  it('answers every check with one cat-file process', async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }, { 'b.txt': 'b\n' }]))
    const [first = '', second = ''] = repo.shas
    const blob = runGit(repo.workspace, ['rev-parse', 'HEAD:a.txt'])
    const missing = 'f'.repeat(40)
    counter.reset()
    const found = await readCommits(repo.workspace, ['HEAD', first, missing, blob, first])
    expect(commands()).toEqual(['cat-file'])
    expect([...found]).toEqual([
      ['HEAD', { sha: second, parents: [first] }],
      [first, { sha: first, parents: [] }],
      [missing, undefined],
      // A blob is not a commit.
      [blob, undefined]
    ])
  })

  it("reads a merge commit's parents at the shallow boundary, where neither is present", async () => {
    const fx = track(makePullRequestCheckout(PR))
    const found = await readCommits(fx.workspace, ['HEAD', fx.baseSha, fx.headSha])
    expect(found.get('HEAD')).toEqual({ sha: fx.mergeSha, parents: [fx.baseSha, fx.headSha] })
    expect(found.get(fx.baseSha)).toBeUndefined()
    expect(found.get(fx.headSha)).toBeUndefined()
  })

  it('knows nothing outside a repository or before the first commit', async () => {
    const plain = scratch()
    expect([...(await readCommits(plain, ['HEAD']))]).toEqual([['HEAD', undefined]])
    const empty = scratch()
    runGit(empty, ['init', '-q'])
    expect([...(await readCommits(empty, ['HEAD']))]).toEqual([['HEAD', undefined]])
  })

  it('asks git nothing but HEAD and object ids (one per line of its input)', async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    counter.reset()
    const odd = ['--batch-all-objects', `HEAD\n${repo.shas[0]}`, 'main', 'HEAD~1']
    const found = await readCommits(repo.workspace, odd)
    expect([...found.values()]).toEqual([undefined, undefined, undefined, undefined])
    expect(commands()).toEqual([])
  })
})

describe('resolveRange with what the caller already knows', () => {
  it('on a warm merge-commit checkout, starts no git process at all', async () => {
    const fx = track(makePullRequestCheckout(PR))
    runGit(fx.workspace, ['fetch', '-q', '--depth=1', 'origin', fx.baseSha])
    const commits = await readCommits(fx.workspace, ['HEAD', fx.baseSha, fx.headSha])
    counter.reset()
    const range = await resolveRange(fx.workspace, fx.baseSha, fx.headSha, () => undefined, {
      shallow: true,
      commits
    })
    expect(range).toMatchObject({ from: fx.baseSha, to: fx.mergeSha })
    expect(commands()).toEqual([])
  })

  it('on a fresh one, adds only the fetch of the base', async () => {
    const fx = track(makePullRequestCheckout(PR))
    const commits = await readCommits(fx.workspace, ['HEAD', fx.baseSha, fx.headSha])
    counter.reset()
    const range = await resolveRange(fx.workspace, fx.baseSha, fx.headSha, () => undefined, {
      shallow: true,
      commits
    })
    expect(range).toMatchObject({ from: fx.baseSha, to: fx.mergeSha })
    expect(commands()).toEqual(['fetch'])
  })
})

describe('git through @actions/exec', () => {
  it("writes nothing to the runner's log, neither the command line nor git's output", async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      // Unsilenced, exec echoes the command line: the spies would see it.
      await exec('git', ['--version'])
      expect(out).toHaveBeenCalled()
      out.mockClear()
      err.mockClear()
      const ok = await git(repo.workspace, ['rev-parse', 'HEAD'])
      const failed = await git(repo.workspace, ['rev-parse', '--verify', 'nope'])
      expect(ok.code).toBe(0)
      expect(failed.code).toBe(128)
      expect(failed.stderr).toContain('fatal: Needed a single revision')
      expect(out).not.toHaveBeenCalled()
      expect(err).not.toHaveBeenCalled()
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  })

  it('gives git its input on stdin', async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const r = await git(repo.workspace, ['hash-object', '--stdin'], { input: Buffer.from('a\n') })
    expect(r.stdout.toString().trim()).toBe(runGit(repo.workspace, ['rev-parse', 'HEAD:a.txt']))
  })
})

describe('gitStream', () => {
  it('keeps what git wrote for a reader that starts after git has exited', async () => {
    const repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }, { 'a.txt': 'a\nb\n' }]))
    const late = gitStream(repo.workspace, ['diff', 'HEAD~1', 'HEAD', '--stat'])
    expect((await late.done).code).toBe(0) // exited, nothing read yet
    const chunks: Buffer[] = []
    for await (const c of late.chunks) chunks.push(c)
    expect(Buffer.concat(chunks).toString()).toContain('a.txt | 1 +')
  })
})
