import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  packChange,
  SecretsFoundError,
  type PackOptions,
  type PackedChange,
  type PullFile
} from '../../../src/handoff/pack.ts'
import type { Target } from '../../../src/run/target.ts'
import { refCandidates } from '../../../src/handoff/range.ts'
import { scrubUrls } from '../../../src/hygiene/scrub.ts'
import {
  makeLocalRepo,
  makePullRequestCheckout,
  makePushCheckout,
  runGit,
  writeFiles,
  ZERO_SHA,
  type Files
} from '../../helpers/checkout.ts'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})
function track<T extends { cleanup(): void }>(fx: T): T {
  cleanups.push(() => fx.cleanup())
  return fx
}

function target(baseSha: string, headSha: string, pr = true): Target {
  return {
    owner: 'o',
    repo: 'r',
    slug: 'o/r',
    eventName: pr ? 'pull_request' : 'push',
    headRef: 'feature',
    headSha,
    baseRef: 'main',
    baseSha,
    pr: pr
      ? {
          number: 1,
          url: 'https://github.com/o/r/pull/1',
          title: 't',
          body: 'b',
          author: 'a',
          isFork: false,
          headRepo: 'o/r',
          draft: false
        }
      : undefined
  }
}

interface Logged {
  info: string[]
  warning: string[]
}
function pack(
  workspace: string,
  t: Target,
  over: Partial<PackOptions> = {}
): Promise<PackedChange> & { logged: Logged } {
  const logged: Logged = { info: [], warning: [] }
  const p = packChange({
    workspace,
    target: t,
    includeDiff: true,
    includeUncommitted: true,
    maxDiffBytes: 100_000,
    excludePaths: [],
    secretScan: 'off',
    log: {
      info: (m) => logged.info.push(m),
      warning: (m) => logged.warning.push(m),
      debug: () => {}
    },
    ...over
  })
  return Object.assign(p, { logged })
}

const byPath = (c: PackedChange) => Object.fromEntries(c.files.map((f) => [f.path, f]))
const reasons = (c: PackedChange) =>
  Object.fromEntries(
    c.omissions.map((o) => [o.path, o.hunks ? `${o.reason}:${o.hunks}` : o.reason])
  )

/** Every hunk in a unified diff is whole: its body has exactly the lines its header announces. */
function expectWholeHunks(diff: string): number {
  const lines = diff.split('\n')
  let hunks = 0
  for (let i = 0; i < lines.length; i++) {
    const m = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(lines[i] ?? '')
    if (!m) continue
    hunks++
    let old = Number(m[1] ?? 1)
    let neu = Number(m[2] ?? 1)
    for (i++; i < lines.length && (old > 0 || neu > 0); i++) {
      const c = (lines[i] ?? '').charAt(0)
      if (c === '\\') continue
      if (c !== '+') old--
      if (c !== '-') neu--
    }
    i--
    expect([old, neu]).toEqual([0, 0])
  }
  return hunks
}

const lines = (n: number, tag: string): string =>
  Array.from({ length: n }, (_, i) => `${tag} line ${i}`).join('\n') + '\n'

describe('packChange on an actions/checkout PR checkout (depth 1, merge commit)', () => {
  it('fetches the base, diffs the PR exactly, and lists every kind of change', async () => {
    const base: Files = {
      'a.txt': lines(30, 'a'),
      'old name.txt': lines(20, 'r'),
      'gone.txt': 'bye\n',
      'run.sh': 'echo hi\n',
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
      'package-lock.json': '{}\n',
      'dist/index.js': 'old()\n'
    }
    const head: Files = {
      'a.txt': lines(30, 'a')
        .replace('a line 3\n', 'A LINE 3\n')
        .replace('a line 25\n', 'A LINE 25\n'),
      'sp ace/ünï code.txt': 'hello\n',
      'tab\there.txt': 'tab\n',
      'new\nline.txt': 'nl\n',
      'gone.txt': null,
      'run.sh': { executable: 'echo hi\n' },
      link: { symlink: 'a.txt' },
      'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9]),
      'package-lock.json': '{"lockfileVersion": 3}\n',
      'dist/index.js': 'new()\n',
      '.env.production': 'TOKEN=abc\n',
      'docs/notes.md': 'excluded by the user\n'
    }
    const fx = track(
      makePullRequestCheckout({
        base,
        head,
        renames: [['old name.txt', 'moved/new name.txt']],
        extraBaseCommits: [{ 'main-only.txt': 'landed on main after the fork\n' }]
      })
    )
    expect(runGit(fx.workspace, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    const p = pack(fx.workspace, target(fx.baseSha, fx.headSha), { excludePaths: ['docs/**'] })
    const c = await p
    expect(c.source).toBe('git')
    expect(c.sourceNote).toContain(`merge commit ${fx.mergeSha.slice(0, 7)}`)
    expect(p.logged.info.join('\n')).toContain('Fetching the base commit')

    const f = byPath(c)
    expect(Object.keys(f).sort()).toEqual(
      [
        '.env.production',
        'a.txt',
        'dist/index.js',
        'docs/notes.md',
        'gone.txt',
        'link',
        'logo.png',
        'moved/new name.txt',
        'new\nline.txt',
        'package-lock.json',
        'run.sh',
        'sp ace/ünï code.txt',
        'tab\there.txt'
      ].sort()
    )
    expect(f['main-only.txt']).toBeUndefined()
    expect(f['a.txt']).toMatchObject({
      status: 'modified',
      additions: 2,
      deletions: 2,
      section: 'commits'
    })
    expect(f['moved/new name.txt']).toMatchObject({
      status: 'renamed',
      oldPath: 'old name.txt',
      additions: 0,
      deletions: 0
    })
    expect(f['gone.txt']).toMatchObject({ status: 'deleted', deletions: 1 })
    expect(f['logo.png']).toMatchObject({ binary: true })
    expect(f['run.sh']).toMatchObject({ status: 'modified', additions: 0, deletions: 0 })
    expect(f['link']).toMatchObject({ status: 'added', additions: 1 })
    expect(f['new\nline.txt']).toMatchObject({ status: 'added', additions: 1 })

    expect(reasons(c)).toEqual({
      '.env.production': 'secret-file',
      'dist/index.js': 'generated',
      'docs/notes.md': 'excluded',
      'logo.png': 'binary',
      'package-lock.json': 'lock'
    })
    expect(c.truncated).toBe(false)
    expect(c.diffText).toContain('+A LINE 3')
    expect(c.diffText).toContain('+++ b/sp ace/ünï code.txt')
    expect(c.diffText).toContain('+++ "b/tab\\there.txt"')
    expect(c.diffText).toContain('+++ "b/new\\nline.txt"')
    expect(c.diffText).toContain('old mode 100644')
    expect(c.diffText).not.toContain('TOKEN=abc')
    expect(c.diffText).not.toContain('lockfileVersion')
    expect(c.diffText).not.toContain('new()')
    expect(c.diffText).not.toContain('landed on main')
    expect(c.diffText).not.toMatch(/^index /m)
    expect(expectWholeHunks(c.diffText)).toBe(7)
    expect(c.diffBytes).toBe(Buffer.byteLength(c.diffText))
    expect(c.uncommittedText).toBe('')
  })

  it('measures against the merge base when the base SHA is not the merge commit parent', async () => {
    const fx = track(
      makePullRequestCheckout({
        base: { 'a.txt': 'a\n', 'b.txt': 'b\n' },
        head: { 'a.txt': 'A\n' },
        extraHeadCommits: [{ 'c.txt': 'c\n' }, { 'd.txt': 'd\n' }],
        extraBaseCommits: [{ 'b.txt': 'B on main\n' }]
      })
    )
    // The fork point is an older base than the merge commit's first parent (e.g. base-ref set).
    const p = pack(fx.workspace, target(fx.forkPointSha, fx.headSha))
    const c = await p
    expect(c.source).toBe('git')
    expect(c.sourceNote).toContain(`merge base ${fx.forkPointSha.slice(0, 7)}`)
    expect(c.files.map((x) => x.path).sort()).toEqual(['a.txt', 'c.txt', 'd.txt'])
    expect(p.logged.info.join('\n')).toMatch(/Deepening|Fetching/)
  })
})

describe('packChange on a full-history checkout', () => {
  it('fetches nothing and keeps the clone full', async () => {
    const fx = track(
      makePullRequestCheckout({
        base: { 'a.txt': 'a\n' },
        head: { 'a.txt': 'A\n' },
        shallow: false
      })
    )
    const p = pack(fx.workspace, target(fx.baseSha, fx.headSha))
    const c = await p
    expect(c.files.map((f) => f.path)).toEqual(['a.txt'])
    expect(p.logged.info).toEqual([])
    expect(runGit(fx.workspace, ['rev-parse', '--is-shallow-repository'])).toBe('false')
  })
})

describe('packChange on push checkouts', () => {
  it('deepens a depth-1 branch checkout to diff before...after', async () => {
    const fx = track(
      makePushCheckout({
        base: { 'a.txt': 'a\n' },
        commits: [{ 'b.txt': 'b\n' }, { 'c.txt': 'c\n' }, { 'a.txt': 'A\n' }]
      })
    )
    const c = await pack(fx.workspace, target(fx.before, fx.after, false))
    expect(c.source).toBe('git')
    expect(c.files.map((f) => `${f.status} ${f.path}`).sort()).toEqual([
      'added b.txt',
      'added c.txt',
      'modified a.txt'
    ])
  })

  it('after a force push shows only what the new commits change from the fork point', async () => {
    const fx = track(
      makePushCheckout({
        base: { 'a.txt': 'a\n' },
        commits: [{ 'new.txt': 'n\n' }],
        forcePush: true
      })
    )
    const c = await pack(fx.workspace, target(fx.before, fx.after, false))
    expect(c.source).toBe('git')
    expect(c.sourceNote).toContain(`merge base ${fx.forkPointSha.slice(0, 7)}`)
    expect(c.files.map((f) => `${f.status} ${f.path}`)).toEqual(['added new.txt'])
  })

  it('measures a new branch (before is all zeros) against the base ref, looked up on origin', async () => {
    const fx = track(
      makePushCheckout({
        base: { 'a.txt': 'a\n' },
        commits: [{ 'b.txt': 'b\n' }],
        newBranch: true,
        branch: 'topic'
      })
    )
    // The target names the default branch but no commit of it; the depth-1 checkout has none.
    const c = await pack(fx.workspace, target(ZERO_SHA, fx.after, false))
    expect(c.source).toBe('git')
    expect(c.baseSha).toBe(fx.forkPointSha)
    expect(c.sourceNote).toContain(`the base 'main' is ${fx.forkPointSha.slice(0, 7)} on origin`)
    expect(c.files.map((f) => `${f.status} ${f.path}`)).toEqual(['added b.txt'])
  })
})

describe('a base known only by its name', () => {
  const named = (ref: string, head: string, pr = false): Target => ({
    ...target('', head, pr),
    baseRef: ref
  })

  it('uses a ref already in the checkout when there is no origin', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }, { 'b.txt': 'b\n' }]))
    runGit(fx.workspace, ['branch', 'release', fx.shas[0] ?? ''])
    const c = await pack(fx.workspace, named('release', fx.shas[1] ?? ''))
    expect(c.source).toBe('git')
    expect(c.baseSha).toBe(fx.shas[0])
    expect(c.sourceNote).toMatch(
      /the base 'release' is \w{7} \(refs\/heads\/release in the checkout; not found on origin: /
    )
    expect(c.files.map((f) => `${f.status} ${f.path}`)).toEqual(['added b.txt'])
  })

  it('says why when the ref is nowhere, and falls back to the API for a PR', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const p = pack(fx.workspace, named('nope', fx.shas[0] ?? ''))
    const c = await p
    expect(c.source).toBe('none')
    expect(c.baseSha).toBeUndefined()
    expect(c.sourceNote).toMatch(
      /^no diff of commits: the base 'nope' could not be resolved: 'nope' is neither on origin \(.+\) nor in the checkout/
    )
    expect(p.logged.warning.join('\n')).toContain("the base 'nope' could not be resolved")
    const pullFiles = async function* (): AsyncIterable<PullFile> {
      yield {
        filename: 'x.ts',
        status: 'added',
        additions: 1,
        deletions: 0,
        changes: 1,
        patch: '@@ -0,0 +1 @@\n+x'
      }
    }
    const viaApi = await pack(fx.workspace, named('nope', fx.shas[0] ?? '', true), { pullFiles })
    expect(viaApi.source).toBe('api')
    expect(viaApi.sourceNote).toContain(
      "because git could not: the base 'nope' could not be resolved"
    )
  })

  it('refuses names that git would read as an option or a revision expression', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }, { 'b.txt': 'b\n' }]))
    for (const ref of ['--upload-pack=touch x', 'main~1', 'HEAD^', 'a..b', 'x:y']) {
      const c = await pack(fx.workspace, named(ref, fx.shas[1] ?? ''))
      expect(c.source, ref).toBe('none')
      expect(c.sourceNote, ref).toContain('is not a branch or tag name')
    }
  })

  it('looks for branch names on origin first, and for the remote-tracking branch locally', () => {
    expect(refCandidates('main')).toEqual({
      remote: ['refs/heads/main', 'refs/tags/main'],
      local: ['refs/remotes/origin/main', 'refs/heads/main', 'refs/tags/main', 'main']
    })
    expect(refCandidates('refs/heads/release/1.x')).toEqual({
      remote: ['refs/heads/release/1.x'],
      local: ['refs/remotes/origin/release/1.x', 'refs/heads/release/1.x']
    })
    expect(refCandidates('refs/tags/v1')).toEqual({
      remote: ['refs/tags/v1'],
      local: ['refs/tags/v1']
    })
  })
})

describe('the byte budget', () => {
  it('cuts at hunk boundaries, names what was left out, and lets later small files fit', async () => {
    const long = lines(400, 'x')
    const spread = long.replace(/^x line (\d*0)$/gm, 'X LINE $1') // 40 separate hunks
    const fx = track(
      makePullRequestCheckout({
        base: { 'a-huge.txt': '', 'b-small.txt': 'one\n', 'c-many-hunks.txt': long },
        head: {
          'a-huge.txt': lines(3000, 'huge'),
          'b-small.txt': 'ONE\n',
          'c-many-hunks.txt': spread
        }
      })
    )
    const c = await pack(fx.workspace, target(fx.baseSha, fx.headSha), { maxDiffBytes: 4000 })
    expect(c.truncated).toBe(true)
    expect(c.diffBytes).toBeLessThanOrEqual(4000)
    expect(c.diffBytes).toBeGreaterThan(4000 - 200)
    expect(c.diffBytes).toBe(Buffer.byteLength(c.diffText))
    const shown = expectWholeHunks(c.diffText)
    expect(shown).toBeGreaterThan(10)
    expect(reasons(c)).toEqual({
      'a-huge.txt': 'budget',
      'c-many-hunks.txt': `budget:${40 - (shown - 1)}`
    })
    expect(c.diffText).toContain('+ONE')
    expect(c.diffText).toContain('+X LINE 0\n')
    expect(c.diffText).not.toContain('X LINE 390')
    expect(byPath(c)['a-huge.txt']).toMatchObject({ additions: 3000 })
    expect(byPath(c)['c-many-hunks.txt']).toMatchObject({ additions: 40, deletions: 40 })
  })

  it('with a zero budget lists everything and inlines nothing', async () => {
    const fx = track(
      makePullRequestCheckout({
        base: { 'a.txt': 'a\n' },
        head: { 'a.txt': 'b\n', 'n.txt': 'n\n' }
      })
    )
    const c = await pack(fx.workspace, target(fx.baseSha, fx.headSha), { maxDiffBytes: 0 })
    expect(c.files).toHaveLength(2)
    expect(c.diffText).toBe('')
    expect(reasons(c)).toEqual({ 'a.txt': 'budget', 'n.txt': 'budget' })
  })
})

describe('uncommitted work', () => {
  it('packs staged, unstaged and untracked files in their own section, even with no base', async () => {
    const fx = track(
      makeLocalRepo([{ 'a.txt': lines(5, 'a'), 'b.txt': 'b\n', '.gitignore': 'ignored/\n' }])
    )
    const ws = fx.workspace
    writeFiles(ws, { 'a.txt': lines(5, 'a').replace('a line 2', 'STAGED') })
    runGit(ws, ['add', 'a.txt'])
    writeFiles(ws, {
      'b.txt': 'unstaged\n',
      'untracked dir/new.txt': 'fresh\nfile',
      'blob.bin': Buffer.from([1, 0, 2]),
      'ignored/x.txt': 'never listed\n',
      '.env': 'SECRET=1\n',
      outside: { symlink: '/etc/hostname' }
    })
    const c = await pack(ws, { ...target('', fx.shas[0] ?? '', false), headSha: '', baseRef: '' })
    expect(c.source).toBe('git')
    expect(c.sourceNote).toContain('no diff of commits')
    expect(c.sourceNote).toContain('uncommitted work')
    expect(c.diffText).toBe('')
    const f = byPath(c)
    expect(Object.keys(f).sort()).toEqual([
      '.env',
      'a.txt',
      'b.txt',
      'blob.bin',
      'outside',
      'untracked dir/new.txt'
    ])
    expect(Object.values(f).every((x) => x.section === 'uncommitted')).toBe(true)
    expect(f['untracked dir/new.txt']).toMatchObject({ status: 'added', additions: 2 })
    expect(f['blob.bin']).toMatchObject({ binary: true })
    expect(reasons(c)).toEqual({ '.env': 'secret-file', 'blob.bin': 'binary' })
    expect(c.uncommittedText).toContain('+STAGED')
    expect(c.uncommittedText).toContain('+unstaged')
    expect(c.uncommittedText).toContain('+++ b/untracked dir/new.txt')
    expect(c.uncommittedText).toContain('+file\n\\ No newline at end of file\n')
    expect(c.uncommittedText).not.toContain('SECRET')
    // A symlink shows where it points; what it points to is never read.
    expect(c.uncommittedText).toContain(
      'new file mode 120000\n--- /dev/null\n+++ b/outside\n@@ -0,0 +1 @@\n+/etc/hostname\n'
    )
    expectWholeHunks(c.uncommittedText)
  })

  it('shares one budget with the committed change', async () => {
    const fx = track(
      makePullRequestCheckout({
        base: { 'a.txt': 'a\n' },
        head: { 'a.txt': lines(20, 'committed') }
      })
    )
    writeFiles(fx.workspace, { 'u.txt': lines(20, 'uncommitted') })
    const c = await pack(fx.workspace, target(fx.baseSha, fx.headSha), { maxDiffBytes: 600 })
    expect(c.diffText).toContain('+committed line 0')
    expect(reasons(c)['u.txt']).toBe('budget')
    expect(c.diffBytes).toBeLessThanOrEqual(600)
  })

  it('reads names that are not UTF-8', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const name = Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from('.txt')])
    writeFileSync(Buffer.concat([Buffer.from(`${fx.workspace}/`), name]), 'latin-1 name\n')
    runGit(fx.workspace, ['add', '-A'])
    runGit(fx.workspace, ['commit', '-q', '-m', 'latin1'])
    const head = runGit(fx.workspace, ['rev-parse', 'HEAD'])
    const c = await pack(fx.workspace, target(fx.shas[0] ?? '', head, false))
    expect(c.files.map((f) => f.path)).toEqual(['caf\ufffd.txt'])
    expect(c.files[0]).toMatchObject({ additions: 1, status: 'added' })
    expect(c.diffText).toContain('+latin-1 name')
  })
})

describe('when git cannot diff the commits', () => {
  const apiFiles: PullFile[] = [
    {
      filename: 'src/a.ts',
      status: 'modified',
      additions: 1,
      deletions: 1,
      changes: 2,
      patch: '@@ -1 +1 @@\n-old\n+new'
    },
    { filename: 'huge.json', status: 'modified', additions: 9000, deletions: 0, changes: 9000 },
    {
      filename: 'b.ts',
      previous_filename: 'a.ts',
      status: 'renamed',
      additions: 0,
      deletions: 0,
      changes: 0
    },
    {
      filename: 'yarn.lock',
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: '@@ -1 +1,2 @@\n x\n+y'
    }
  ]
  const pullFiles = async function* (): AsyncIterable<PullFile> {
    yield* apiFiles
  }

  it('falls back to the GitHub API when there is no origin to fetch the base from', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const missing = 'f'.repeat(40)
    const p = pack(fx.workspace, target(missing, fx.shas[0] ?? ''), { pullFiles })
    const c = await p
    expect(c.source).toBe('api')
    expect(c.sourceNote).toMatch(
      /GitHub API \(pulls\/1\/files\), because git could not: commit fffffff/
    )
    expect(p.logged.warning.join('\n')).toContain('GitHub API instead of git')
    expect(c.files.map((f) => [f.path, f.status, f.oldPath])).toEqual([
      ['src/a.ts', 'modified', undefined],
      ['huge.json', 'modified', undefined],
      ['b.ts', 'renamed', 'a.ts'],
      ['yarn.lock', 'modified', undefined]
    ])
    expect(reasons(c)).toEqual({ 'huge.json': 'no-patch', 'yarn.lock': 'lock' })
    expect(c.diffText).toBe(
      'diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-old\n+new\n'
    )
  })

  it('names why the fetch failed without the credentials of the remote URL', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    runGit(fx.workspace, [
      'remote',
      'add',
      'origin',
      'http://someone:s3cr3t-pass@127.0.0.1:9/o/r.git'
    ])
    const c = await pack(fx.workspace, target('e'.repeat(40), fx.shas[0] ?? ''))
    expect(c.source).toBe('none')
    expect(c.sourceNote).toContain('could not be fetched from origin')
    expect(c.sourceNote).not.toContain('s3cr3t-pass')
    expect(
      scrubUrls("fatal: unable to access 'https://x-access-token:ghs_abc@github.com/o/r/'")
    ).toBe("fatal: unable to access 'https://***@github.com/o/r/'")
  })

  it('says when the API file list may be cut at 3000 files', async () => {
    const fx = track(makeLocalRepo([{ 'a.txt': 'a\n' }]))
    const many = async function* (): AsyncIterable<PullFile> {
      for (let i = 0; i < 3000; i++) {
        yield {
          filename: `f${i}.ts`,
          status: 'added',
          additions: 1,
          deletions: 0,
          changes: 1,
          patch: '@@ -0,0 +1 @@\n+x'
        }
      }
    }
    const c = await pack(fx.workspace, target('f'.repeat(40), fx.shas[0] ?? ''), {
      pullFiles: many,
      maxDiffBytes: 1000
    })
    expect(c.files).toHaveLength(3000)
    expect(c.sourceNote).toContain('the API lists at most 3000 files')
    expect(c.truncated).toBe(true)
    expect(c.diffBytes).toBeLessThanOrEqual(1000)
  })

  it('reports source none with the reason when there is no API either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devin-handoff-nogit-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    mkdirSync(join(dir, 'sub'))
    const c = await pack(dir, target('a'.repeat(40), 'b'.repeat(40)))
    expect(c.source).toBe('none')
    expect(c.sourceNote).toContain('not a git repository')
    expect(c.files).toEqual([])
    const viaApi = await pack(dir, target('a'.repeat(40), 'b'.repeat(40)), { pullFiles })
    expect(viaApi.source).toBe('api')
  })
})

describe('secrets in the diff', () => {
  const token = 'ghp_' + 'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6'
  const key = [
    '-----BEGIN RSA PRIVATE KEY-----',
    'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u',
    '+BvJbGfn8AvmZs3ZlI6fH6X1w9wJ4dT0kQ5xNz3pL8mR2vC7bE6sY1uA9oK4jD3gF2hW5tP0qS8nM7yV6cX1zB4lU9rT2eO5iG',
    '-----END RSA PRIVATE KEY-----'
  ].join('\n')
  const files = {
    'config.ts': `export const a = 1\nexport const token = "${token}"\n`,
    'deploy/key.txt': `${key}\n`
  }

  it('redacts them, keeping every line and hunk intact, and says where', async () => {
    const fx = track(
      makePullRequestCheckout({ base: { 'config.ts': 'export const a = 1\n' }, head: files })
    )
    const p = pack(fx.workspace, target(fx.baseSha, fx.headSha), { secretScan: 'redact' })
    const c = await p
    expect(c.diffText).not.toContain(token)
    expect(c.diffText).not.toContain('MIIEowIBAAKCAQEAu1SU1')
    expect(c.diffText).toContain('+export const token = "[REDACTED: GitHub token]"')
    expect(expectWholeHunks(c.diffText)).toBe(2)
    expect(c.redactions).toEqual(
      expect.arrayContaining([
        { where: 'config.ts:2', label: 'GitHub token', ruleId: expect.any(String) },
        {
          where: 'deploy/key.txt:1',
          label: expect.stringContaining('private key'),
          ruleId: expect.any(String)
        }
      ])
    )
    const warnings = p.logged.warning.join('\n')
    expect(warnings).toContain('config.ts:2')
    expect(warnings).not.toContain(token)
  })

  it('refuses to pack with secret-scan fail, naming places but not values', async () => {
    const fx = track(
      makePullRequestCheckout({ base: { 'config.ts': 'export const a = 1\n' }, head: files })
    )
    const err = await pack(fx.workspace, target(fx.baseSha, fx.headSha), {
      secretScan: 'fail'
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SecretsFoundError)
    const e = err as SecretsFoundError
    expect(e.message).toContain('config.ts:2')
    expect(e.message).not.toContain(token)
    expect(e.redactions.length).toBeGreaterThanOrEqual(2)
  })

  it('leaves them alone with secret-scan off', async () => {
    const fx = track(
      makePullRequestCheckout({ base: { 'config.ts': 'export const a = 1\n' }, head: files })
    )
    const c = await pack(fx.workspace, target(fx.baseSha, fx.headSha), { secretScan: 'off' })
    expect(c.diffText).toContain(token)
    expect(c.redactions).toEqual([])
  })
})
