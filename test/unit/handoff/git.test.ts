import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { git, gitBounded, GitError, gitStream, gitText } from '../../../src/handoff/git.ts'
import {
  commitParents,
  fetchCommits,
  hasCommit,
  isSha,
  refCandidates,
  resolveBaseRef,
  resolveRange,
  short,
  topLevel
} from '../../../src/handoff/range.ts'
import { listUntracked, readUntracked } from '../../../src/handoff/untracked.ts'
import {
  makeLocalRepo,
  makePullRequestCheckout,
  runGit,
  writeFiles,
  type LocalRepo,
  type PullRequestCheckout
} from '../../helpers/checkout.ts'
import { scratchSpace } from '../../helpers/scratch.ts'

const { track, scratch } = scratchSpace('git-test-')

/** Runs `fn` with a log recorder, returning what it logged too. */
async function logged<T>(fn: (log: (m: string) => void) => Promise<T>): Promise<[T, string[]]> {
  const lines: string[] = []
  const out = await fn((m) => lines.push(m))
  return [out, lines]
}

const isShallow = (ws: string): string => runGit(ws, ['rev-parse', '--is-shallow-repository'])

const PR_FILES = {
  base: { 'a.txt': 'one\ntwo\n', 'b.txt': 'bee\n' },
  head: { 'a.txt': 'one\ntwo\nthree\n', 'c.txt': 'new\n' }
}

describe('isSha and short', () => {
  it('accepts full SHA-1 and SHA-256 ids only', () => {
    expect(isSha('a'.repeat(40))).toBe(true)
    expect(isSha('ABCDEF0123'.repeat(4))).toBe(true)
    expect(isSha('b'.repeat(64))).toBe(true)
    expect(isSha('a'.repeat(39))).toBe(false)
    expect(isSha('a'.repeat(41))).toBe(false)
    expect(isSha('g'.repeat(40))).toBe(false)
    expect(isSha('main')).toBe(false)
    expect(isSha(`-${'a'.repeat(39)}`)).toBe(false)
    expect(isSha(` ${'a'.repeat(40)}`)).toBe(false)
  })

  it('refuses the all-zero id (a created or deleted branch)', () => {
    expect(isSha('0'.repeat(40))).toBe(false)
    expect(isSha('0'.repeat(64))).toBe(false)
  })

  it('shortens to seven characters', () => {
    expect(short('0123456789abcdef0123456789abcdef01234567')).toBe('0123456')
  })
})

describe('refCandidates', () => {
  it('looks up a short name as branch then tag on origin, remote-tracking branch first locally', () => {
    expect(refCandidates('main')).toEqual({
      remote: ['refs/heads/main', 'refs/tags/main'],
      local: ['refs/remotes/origin/main', 'refs/heads/main', 'refs/tags/main', 'main']
    })
  })

  it('keeps a full branch name, and also looks at its remote-tracking branch', () => {
    expect(refCandidates('refs/heads/release/1.x')).toEqual({
      remote: ['refs/heads/release/1.x'],
      local: ['refs/remotes/origin/release/1.x', 'refs/heads/release/1.x']
    })
  })

  it('keeps any other full ref name as it is', () => {
    expect(refCandidates('refs/tags/v1')).toEqual({
      remote: ['refs/tags/v1'],
      local: ['refs/tags/v1']
    })
  })
})

describe('GitError', () => {
  it('names the command and exit code and quotes the last three stderr lines', () => {
    const e = new GitError(['fetch', 'origin'], 128, 'one\ntwo\nthree\nfour\n')
    expect(e.message).toBe('git fetch failed (exit 128): two / three / four')
    expect(e.code).toBe(128)
    expect(e).toBeInstanceOf(Error)
  })

  it('says nothing more without stderr', () => {
    expect(new GitError(['ls-files'], 1, '  \n').message).toBe('git ls-files failed (exit 1)')
    expect(new GitError([], 2, '').message).toBe('git  failed (exit 2)')
  })

  it('removes credentials from URLs it quotes', () => {
    const e = new GitError(
      ['fetch'],
      128,
      "fatal: unable to access 'https://x-access-token:ghs_s3cr3t@github.com/o/r/': 403"
    )
    expect(e.message).toBe(
      "git fetch failed (exit 128): fatal: unable to access 'https://***@github.com/o/r/': 403"
    )
  })
})

describe('git, run through a stand-in executable', () => {
  // A `git` first on PATH that prints its arguments and the variables git would read, and exits
  // with what the test asks for: what the action passes to git, without depending on git's wording.
  const bin = scratch()
  writeFileSync(
    join(bin, 'git'),
    [
      '#!/bin/sh',
      'for a in "$@"; do printf "arg:%s\\n" "$a"; done',
      'for v in GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY LC_ALL LANGUAGE \\',
      '  GIT_TERMINAL_PROMPT GIT_OPTIONAL_LOCKS GIT_PAGER; do',
      '  eval "val=\\${$v-unset}"; printf "env:%s=%s\\n" "$v" "$val"',
      'done',
      '[ -n "$FAKE_GIT_STDERR" ] && printf "%s\\n" "$FAKE_GIT_STDERR" >&2',
      'exit "${FAKE_GIT_CODE:-0}"',
      ''
    ].join('\n')
  )
  chmodSync(join(bin, 'git'), 0o755)
  const saved: Record<string, string | undefined> = {}
  const set = (k: string, v: string | undefined): void => {
    if (!(k in saved)) saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }

  beforeEach(() => {
    set('PATH', `${bin}:${process.env.PATH ?? ''}`)
  })
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
      delete saved[k]
    }
  })

  it('passes hardening options first and keeps the environment from pointing elsewhere', async () => {
    set('GIT_DIR', '/elsewhere/.git')
    set('GIT_WORK_TREE', '/elsewhere')
    set('GIT_INDEX_FILE', '/elsewhere/index')
    set('GIT_OBJECT_DIRECTORY', '/elsewhere/objects')
    set('LC_ALL', 'de_DE.UTF-8')
    const r = await git(bin, ['status', '--porcelain'])
    expect(r.code).toBe(0)
    const lines = r.stdout.toString().trim().split('\n')
    expect(lines.filter((l) => l.startsWith('arg:')).map((l) => l.slice(4))).toEqual([
      '-c',
      'core.quotepath=false',
      '-c',
      'core.fsmonitor=false',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'gc.auto=0',
      '-c',
      'maintenance.auto=false',
      '--no-pager',
      'status',
      '--porcelain'
    ])
    expect(lines.filter((l) => l.startsWith('env:'))).toEqual([
      'env:GIT_DIR=unset',
      'env:GIT_WORK_TREE=unset',
      'env:GIT_INDEX_FILE=unset',
      'env:GIT_OBJECT_DIRECTORY=unset',
      'env:LC_ALL=C',
      'env:LANGUAGE=C',
      'env:GIT_TERMINAL_PROMPT=0',
      'env:GIT_OPTIONAL_LOCKS=0',
      'env:GIT_PAGER=cat'
    ])
  })

  it('reports a non-zero exit in `code`; gitText throws it as a scrubbed GitError', async () => {
    set('FAKE_GIT_CODE', '128')
    set(
      'FAKE_GIT_STDERR',
      "hint: one\nhint: two\nfatal: could not read from 'https://bot:p4ssw0rd@example.com/o/r.git'"
    )
    const r = await git(bin, ['fetch'])
    expect(r.code).toBe(128)
    expect(r.stderr).toContain('p4ssw0rd')
    const err = await gitText(bin, ['fetch', 'origin']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitError)
    expect((err as GitError).code).toBe(128)
    expect((err as GitError).message).toBe(
      "git fetch failed (exit 128): hint: one / hint: two / fatal: could not read from 'https://***@example.com/o/r.git'"
    )
  })

  it('topLevel says why git cannot read the workspace, without credentials', async () => {
    set('FAKE_GIT_CODE', '128')
    set('FAKE_GIT_STDERR', 'fatal: detected dubious ownership in https://u:pw@example.com/x')
    expect(await topLevel(bin)).toEqual({
      error:
        'the workspace is not a git repository that git can read (fatal: detected dubious ownership in https://***@example.com/x)'
    })
  })

  it('fetches objects by id only: no ref, no FETCH_HEAD, nothing option-like', async () => {
    const sha = 'a'.repeat(40)
    const args = async (depth: number | undefined): Promise<string[]> =>
      (await fetchCommits(bin, ['--upload-pack=touch /tmp/pwned', 'main', sha], depth)).stdout
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('arg:'))
        .map((l) => l.slice(4))
        .slice(11)
    const fetch = [
      'fetch',
      '--no-tags',
      '--no-recurse-submodules',
      '--no-write-fetch-head',
      '--quiet'
    ]
    expect(await args(1)).toEqual([...fetch, '--depth=1', 'origin', sha])
    // No depth for a full clone: it would make it shallow.
    expect(await args(undefined)).toEqual([...fetch, 'origin', sha])
  })

  it('fails as "cannot be run" when there is no git at all', async () => {
    set('PATH', scratch())
    expect(await topLevel(bin)).toEqual({ error: 'git cannot be run (git is not on PATH)' })
    await expect(git(bin, ['status'])).rejects.toThrow('git is not on PATH')
    await expect(gitBounded(bin, ['ls-remote'])).rejects.toThrow(/ENOENT/)
  })
})

describe('git against a real repository', () => {
  let repo: LocalRepo
  const big = `${'x'.repeat(99)}\n`.repeat(40_000) // 4 MB: more than a pipe holds

  beforeAll(() => {
    repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }, { 'big.txt': big }]))
  })

  it('reads the top level from a subdirectory', async () => {
    mkdirSync(join(repo.workspace, 'deep', 'er'), { recursive: true })
    expect(await topLevel(join(repo.workspace, 'deep', 'er'))).toEqual({
      top: repo.workspace,
      shallow: false
    })
  })

  it('says a plain directory is not a repository', async () => {
    const r = await topLevel(scratch())
    expect('error' in r && r.error).toMatch(
      /^the workspace is not a git repository that git can read \(fatal: not a git repository/
    )
  })

  it('gitText returns trimmed output and throws GitError on failure', async () => {
    expect(await gitText(repo.workspace, ['rev-parse', 'HEAD'])).toBe(repo.shas[1])
    const err = await gitText(repo.workspace, ['rev-parse', '--verify', 'nope']).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(GitError)
    expect((err as GitError).message).toBe(
      'git rev-parse failed (exit 128): fatal: Needed a single revision'
    )
  })

  it('stops reading output past maxBytes', async () => {
    await expect(
      git(repo.workspace, ['cat-file', 'blob', 'HEAD:big.txt'], { maxBytes: 1000 })
    ).rejects.toThrow('git cat-file printed more than 1000 bytes')
    const whole = await git(repo.workspace, ['cat-file', 'blob', 'HEAD:big.txt'])
    expect(whole.stdout.length).toBe(big.length)
  })

  it('streams output to the end, or stops early when asked', async () => {
    const all = gitStream(repo.workspace, ['log', '--format=%H'])
    const chunks: Buffer[] = []
    for await (const c of all.chunks) chunks.push(c)
    expect(Buffer.concat(chunks).toString().trim().split('\n')).toEqual([...repo.shas].reverse())
    expect(await all.done).toEqual({ code: 0, stopped: false, stderr: '' })

    const cut = gitStream(repo.workspace, ['cat-file', 'blob', 'HEAD:big.txt'])
    let got = 0
    for await (const c of cut.chunks) {
      got += (c as Buffer).length
      cut.stop()
      cut.stop()
      break
    }
    const done = await cut.done
    expect(done.stopped).toBe(true)
    expect(done.code).not.toBe(0)
    expect(got).toBeLessThan(big.length)
  })

  it('knows which commits it has and their parents', async () => {
    const [first = '', second = ''] = repo.shas
    expect(await hasCommit(repo.workspace, first)).toBe(true)
    expect(await hasCommit(repo.workspace, 'f'.repeat(40))).toBe(false)
    // A blob is not a commit.
    const blob = runGit(repo.workspace, ['rev-parse', 'HEAD:a.txt'])
    expect(await hasCommit(repo.workspace, blob)).toBe(false)
    expect(await commitParents(repo.workspace, second)).toEqual([first])
    expect(await commitParents(repo.workspace, first)).toEqual([])
    expect(await commitParents(repo.workspace, 'f'.repeat(40))).toEqual([])
  })
})

describe('resolveRange on a depth-1 pull request checkout', () => {
  it('diffs the merge commit against its first parent, fetching only that one commit', async () => {
    const fx: PullRequestCheckout = track(makePullRequestCheckout(PR_FILES))
    expect(await hasCommit(fx.workspace, fx.baseSha)).toBe(false)
    const [range, log] = await logged((l) => resolveRange(fx.workspace, fx.baseSha, fx.headSha, l))
    expect(range).toEqual({
      from: fx.baseSha,
      to: fx.mergeSha,
      note: `git diff ${short(fx.baseSha)}...${short(fx.headSha)}, read as HEAD^1..HEAD on the merge commit ${short(fx.mergeSha)} that actions/checkout checked out (same changes as base...head; line numbers are those of the merge result)`
    })
    expect(log).toEqual([`Fetching the base commit ${short(fx.baseSha)} from origin`])
    expect(await hasCommit(fx.workspace, fx.baseSha)).toBe(true)
    // Still a depth-1 clone plus one commit: the head was never fetched.
    expect(isShallow(fx.workspace)).toBe('true')
    expect(await hasCommit(fx.workspace, fx.headSha)).toBe(false)
  })

  it('for another base, fetches both ends and deepens until it finds the merge base', async () => {
    const fx = track(
      makePullRequestCheckout({
        ...PR_FILES,
        extraBaseCommits: [{ 'b.txt': 'bee 2\n' }, { 'b.txt': 'bee 3\n' }],
        extraHeadCommits: [{ 'd.txt': 'd\n' }]
      })
    )
    const [range, log] = await logged((l) =>
      resolveRange(fx.workspace, fx.forkPointSha, fx.headSha, l)
    )
    expect(range).toEqual({
      from: fx.forkPointSha,
      to: fx.headSha,
      note: `git diff ${short(fx.forkPointSha)}...${short(fx.headSha)} (merge base ${short(fx.forkPointSha)})`
    })
    expect(log).toEqual([
      `Fetching ${short(fx.forkPointSha)}, ${short(fx.headSha)} from origin`,
      'Deepening the shallow checkout to 50 commits to find the merge base'
    ])
    expect(isShallow(fx.workspace)).toBe('true')
  })
})

describe('resolveRange on a full-history checkout', () => {
  let fx: PullRequestCheckout
  beforeAll(() => {
    fx = track(
      makePullRequestCheckout({
        ...PR_FILES,
        shallow: false,
        extraBaseCommits: [{ 'b.txt': 'bee 2\n' }]
      })
    )
  })

  it('finds the merge base in the history it has, fetching nothing', async () => {
    const [range, log] = await logged((l) => resolveRange(fx.workspace, fx.baseSha, fx.headSha, l))
    // The base is the merge commit's first parent: the merge-commit reading applies.
    expect(range).toMatchObject({ from: fx.baseSha, to: fx.mergeSha })
    expect(log).toEqual([])
    const [general, log2] = await logged((l) =>
      resolveRange(fx.workspace, fx.forkPointSha, fx.headSha, l)
    )
    expect(general).toEqual({
      from: fx.forkPointSha,
      to: fx.headSha,
      note: `git diff ${short(fx.forkPointSha)}...${short(fx.headSha)} (merge base ${short(fx.forkPointSha)})`
    })
    expect(log2).toEqual([])
    expect(isShallow(fx.workspace)).toBe('false')
  })

  it('says which commit origin does not have', async () => {
    const ghost = 'e'.repeat(40)
    const [range, log] = await logged((l) => resolveRange(fx.workspace, ghost, fx.headSha, l))
    expect(log).toEqual(['Fetching eeeeeee from origin'])
    expect('error' in range && range.error).toMatch(
      /^commit eeeeeee is not in the checkout and could not be fetched from origin \((fatal|error): /
    )
    expect(isShallow(fx.workspace)).toBe('false')
  })

  it('takes HEAD when no head is given', async () => {
    const [range] = await logged((l) => resolveRange(fx.workspace, fx.forkPointSha, '', l))
    expect(range).toMatchObject({ from: fx.forkPointSha, to: fx.mergeSha })
  })

  it('finds a base ref on origin by short or full name, and says when it is nowhere', async () => {
    const [main, log] = await logged((l) => resolveBaseRef(fx.workspace, 'main', l))
    expect(main).toEqual({
      sha: fx.baseSha,
      note: `the base 'main' is ${short(fx.baseSha)} on origin`
    })
    expect(log).toEqual(["Looking up the base 'main' on origin"])
    const [full] = await logged((l) => resolveBaseRef(fx.workspace, 'refs/heads/feature', l))
    expect(full).toMatchObject({ sha: fx.headSha })
    const [none] = await logged((l) => resolveBaseRef(fx.workspace, 'nope', l))
    expect(none).toEqual({
      error: "'nope' is neither on origin (no such branch or tag) nor in the checkout"
    })
  })

  // `git ls-remote` matches names exactly: the peeled `refs/tags/v1.0^{}` line is listed only when
  // asked for. Without it the base would be the tag object's id, and the prompt would name it.
  it('resolves an annotated tag on origin to the commit it tags', async () => {
    runGit(fx.originDir, ['tag', '-f', '-a', 'v1.0', '-m', 'release', fx.forkPointSha])
    const tagObject = runGit(fx.originDir, ['rev-parse', 'refs/tags/v1.0'])
    expect(tagObject).not.toBe(fx.forkPointSha)
    const [tag] = await logged((l) => resolveBaseRef(fx.workspace, 'v1.0', l))
    expect(tag).toEqual({
      sha: fx.forkPointSha,
      note: `the base 'v1.0' is ${short(fx.forkPointSha)} on origin`
    })
  })
})

describe('resolveRange and resolveBaseRef without an origin', () => {
  let repo: LocalRepo
  beforeAll(() => {
    repo = track(makeLocalRepo([{ 'a.txt': 'a\n' }, { 'a.txt': 'b\n' }]))
  })

  it('refuses a base that is not a commit id', async () => {
    for (const base of ['main', '0'.repeat(40), 'HEAD~1']) {
      const [range, log] = await logged((l) => resolveRange(repo.workspace, base, '', l))
      expect(range).toEqual({ error: `the base '${base}' is not a commit id` })
      expect(log).toEqual([])
    }
  })

  it('needs a head commit', async () => {
    const empty = scratch()
    runGit(empty, ['init', '-q'])
    const [range] = await logged((l) => resolveRange(empty, 'a'.repeat(40), '', l))
    expect(range).toEqual({ error: 'no head commit (HEAD is unborn and no head SHA was given)' })
  })

  it('diffs within the history it has', async () => {
    const [first = '', second = ''] = repo.shas
    const [range, log] = await logged((l) => resolveRange(repo.workspace, first, second, l))
    expect(range).toMatchObject({ from: first, to: second })
    expect(log).toEqual([])
  })

  it('says why a missing commit could not be fetched', async () => {
    const [range] = await logged((l) =>
      resolveRange(repo.workspace, 'f'.repeat(40), repo.shas[1] ?? '', l)
    )
    expect(range).toEqual({
      error:
        "commit fffffff is not in the checkout and could not be fetched from origin (fatal: 'origin' does not appear to be a git repository)"
    })
  })

  it('names no credentials of the origin URL when the fetch fails', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    runGit(fx.workspace, [
      'remote',
      'add',
      'origin',
      'http://someone:s3cr3t-pass@127.0.0.1:9/o.git'
    ])
    const [range] = await logged((l) => resolveRange(fx.workspace, 'd'.repeat(40), '', l))
    expect('error' in range && range.error).toMatch(/^commit ddddddd is not in the checkout/)
    expect(JSON.stringify(range)).not.toContain('s3cr3t-pass')
  })

  it('finds no merge base between unrelated histories', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    runGit(fx.workspace, ['checkout', '-q', '--orphan', 'other'])
    writeFiles(fx.workspace, { 'z.txt': 'z\n' })
    runGit(fx.workspace, ['add', '-A'])
    runGit(fx.workspace, ['commit', '-q', '-m', 'orphan'])
    const orphan = runGit(fx.workspace, ['rev-parse', 'HEAD'])
    const [range] = await logged((l) => resolveRange(fx.workspace, fx.shas[0] ?? '', orphan, l))
    expect(range).toEqual({
      error: `no merge base of ${short(fx.shas[0] ?? '')} and ${short(orphan)} within the history`
    })
  })

  it('uses a ref in the checkout, saying origin could not be asked', async () => {
    runGit(repo.workspace, ['branch', 'release', repo.shas[0] ?? ''])
    const [r] = await logged((l) => resolveBaseRef(repo.workspace, 'release', l))
    expect(r).toMatchObject({ sha: repo.shas[0] })
    expect('note' in r && r.note).toMatch(
      new RegExp(
        `^the base 'release' is ${short(repo.shas[0] ?? '')} \\(refs/heads/release in the checkout; not found on origin: fatal: 'origin' does not appear`
      )
    )
  })

  it('takes a commit id as it is (lower-cased), and refuses what is not a ref name', async () => {
    const upper = 'ABCDEF0123'.repeat(4)
    const [r, log] = await logged((l) => resolveBaseRef(repo.workspace, upper, l))
    expect(r).toEqual({ sha: upper.toLowerCase(), note: '' })
    expect(log).toEqual([])
    for (const bad of ['-x', '--upload-pack=evil', 'a..b', 'main~1', 'main^', 'a b', 'a:b', 'x*']) {
      const [res] = await logged((l) => resolveBaseRef(repo.workspace, bad, l))
      expect(res).toEqual({ error: `'${bad}' is not a branch or tag name` })
    }
  })
})

describe('untracked files', () => {
  let ws = ''
  const big = Buffer.alloc(3 * 1024 * 1024 + 5, 'y')
  for (let i = 99; i < big.length; i += 100) big[i] = 10 // a newline every 100 bytes
  const bigLines = Math.floor(big.length / 100) + 1 // and a last line without one
  const latin1 = Buffer.from('caf\xe9.txt', 'latin1')

  beforeAll(() => {
    const repo = track(makeLocalRepo([{ '.gitignore': '*.tmp\n', 'tracked.txt': 't\n' }]))
    ws = repo.workspace
    writeFiles(ws, {
      'a.txt': 'one\ntwo\n',
      'noeol.txt': 'one\ntwo',
      'empty.txt': '',
      'run.sh': { executable: '#!/bin/sh\necho hi\n' },
      'bin.dat': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x0a]),
      'late-nul.txt': Buffer.concat([Buffer.alloc(9000, 'a'), Buffer.from([0, 10])]),
      link: { symlink: 'a.txt' },
      'big.log': big,
      'dir/inner.txt': 'inner\n',
      'new\nline.txt': 'x\n',
      'skip.tmp': 'ignored\n',
      'tracked.txt': 'changed\n'
    })
    writeFileSync(Buffer.concat([Buffer.from(`${ws}/`), latin1]), 'caf\n')
    mkdirSync(join(ws, 'nested'))
    runGit(join(ws, 'nested'), ['init', '-q'])
  })

  it('lists untracked files (not ignored or tracked ones), names as raw bytes', async () => {
    const keys = await listUntracked(ws)
    expect([...keys].sort()).toEqual(
      [
        'a.txt',
        'big.log',
        'bin.dat',
        latin1.toString('latin1'),
        'dir/inner.txt',
        'empty.txt',
        'late-nul.txt',
        'link',
        'nested/',
        'new\nline.txt',
        'noeol.txt',
        'run.sh'
      ].sort()
    )
  })

  it('fails with a GitError outside a repository', async () => {
    await expect(listUntracked(scratch())).rejects.toBeInstanceOf(GitError)
  })

  it('reads a small text file whole, counting lines as git does', async () => {
    expect(await readUntracked(ws, 'a.txt', 1000)).toEqual({
      mode: '100644',
      binary: false,
      lines: 2,
      content: Buffer.from('one\ntwo\n')
    })
    expect(await readUntracked(ws, 'noeol.txt', 1000)).toMatchObject({ lines: 2 })
    expect(await readUntracked(ws, 'empty.txt', 1000)).toEqual({
      mode: '100644',
      binary: false,
      lines: 0,
      content: Buffer.alloc(0)
    })
    expect(await readUntracked(ws, 'new\nline.txt', 1000)).toMatchObject({ lines: 1 })
    expect(await readUntracked(ws, latin1.toString('latin1'), 1000)).toMatchObject({
      content: Buffer.from('caf\n')
    })
  })

  it('keeps the executable bit', async () => {
    expect((await readUntracked(ws, 'run.sh', 1000)).mode).toBe('100755')
  })

  it('sniffs binaries as git does: a NUL within the first 8000 bytes', async () => {
    expect(await readUntracked(ws, 'bin.dat', 1000)).toEqual({
      mode: '100644',
      binary: true,
      lines: 0
    })
    const late = await readUntracked(ws, 'late-nul.txt', 100_000)
    expect(late.binary).toBe(false)
    expect(late.lines).toBe(1)
    expect(late.content?.length).toBe(9002)
  })

  it('reads a symlink as its target, never following it', async () => {
    expect(await readUntracked(ws, 'link', 1000)).toEqual({
      mode: '120000',
      binary: false,
      lines: 1,
      content: Buffer.from('a.txt')
    })
    expect((await readUntracked(ws, 'link', 3)).content).toBeUndefined()
  })

  it('counts the lines of a file too large to show without keeping it', async () => {
    const r = await readUntracked(ws, 'big.log', 64 * 1024)
    expect(r).toEqual({ mode: '100644', binary: false, lines: bigLines })
    // Exactly at the limit it is shown, one byte over it is not.
    const a = await readUntracked(ws, 'a.txt', 8)
    expect(a.content?.toString()).toBe('one\ntwo\n')
    expect(await readUntracked(ws, 'a.txt', 7)).toEqual({
      mode: '100644',
      binary: false,
      lines: 2
    })
  })

  it('reads a nested repository or a vanished file as a gitlink without content', async () => {
    expect(await readUntracked(ws, 'nested/', 1000)).toEqual({
      mode: '160000',
      binary: false,
      lines: 0
    })
    expect(await readUntracked(ws, 'gone.txt', 1000)).toEqual({
      mode: '160000',
      binary: false,
      lines: 0
    })
  })
})
