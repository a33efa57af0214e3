import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  changelogHasVersion,
  compareVersions,
  latestVersion,
  parseArgs,
  parseVersion,
  planRelease,
  porcelainPaths,
  release,
  type ReleaseFacts
} from '../../scripts/release.ts'

const v = (s: string) => {
  const parsed = parseVersion(s)
  if (!parsed) throw new Error(`bad version ${s}`)
  return parsed
}

describe('release: pure parts', () => {
  it('parses plain semver with or without the v', () => {
    expect(parseVersion('1.2.3')).toEqual({ major: 1, minor: 2, patch: 3 })
    expect(parseVersion('v10.0.12')).toEqual({ major: 10, minor: 0, patch: 12 })
    for (const bad of ['1.2', 'v1', '1.2.3-rc.1', '01.2.3', '1.2.3.4', 'x'])
      expect(parseVersion(bad), bad).toBeUndefined()
  })

  it('orders versions numerically, not as text', () => {
    expect(compareVersions(v('1.10.0'), v('1.9.9'))).toBeGreaterThan(0)
    expect(compareVersions(v('2.0.0'), v('10.0.0'))).toBeLessThan(0)
    expect(latestVersion(['v1', 'v1.9.0', 'v1.10.0', 'v0.99.99', 'latest'])).toEqual(v('1.10.0'))
    expect(latestVersion(['v1', 'main'])).toBeUndefined()
  })

  it('finds the changelog section of a version, not a prefix of it', () => {
    const log = '# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2025-01-01\n\n## [1.2.30]\n'
    expect(changelogHasVersion(log, v('1.2.3'))).toBe(true)
    expect(changelogHasVersion('## [1.2.30]\n', v('1.2.3'))).toBe(false)
    expect(changelogHasVersion('## [1x2x3]\n', v('1.2.3'))).toBe(false)
  })

  it('reads paths from git status --porcelain', () => {
    expect(porcelainPaths(' M dist/index.js\n?? new.txt\n\n')).toEqual(['dist/index.js', 'new.txt'])
  })

  const facts = (over: Partial<ReleaseFacts> = {}): ReleaseFacts => ({
    version: '1.1.0',
    tags: ['v1', 'v1.0.0'],
    changelog: '## [1.1.0] - 2025-02-02\n',
    dirty: [],
    distDiff: [],
    branch: 'main',
    ...over
  })

  it('plans the tag, the moved major tag and the pushes', () => {
    const plan = planRelease(facts(), { push: true, remote: 'upstream' })
    expect(plan.errors).toEqual([])
    expect(plan.commands).toEqual([
      ['git', 'tag', '--annotate', 'v1.1.0', '--message', 'v1.1.0'],
      ['git', 'tag', '--force', '--annotate', 'v1', '--message', 'Move v1 to v1.1.0'],
      ['git', 'push', 'upstream', 'refs/tags/v1.1.0'],
      ['git', 'push', '--force', 'upstream', 'refs/tags/v1']
    ])
    expect(planRelease(facts(), { push: false, remote: 'origin' }).commands).toHaveLength(2)
    expect(
      planRelease(facts({ version: '2.0.0', changelog: '## [2.0.0]\n' }), {
        push: false,
        remote: 'origin'
      }).majorTag
    ).toBe('v2')
  })

  it('refuses each unsafe state with a reason', () => {
    const errs = (over: Partial<ReleaseFacts>) =>
      planRelease(facts(over), { push: true, remote: 'origin' }).errors.join('\n')
    expect(errs({ version: 'one' })).toMatch(/not a version/)
    expect(errs({ tags: ['v1.1.0'] })).toMatch(/already exists/)
    expect(errs({ version: '0.9.0', changelog: '## [0.9.0]' })).toMatch(/not above .*v1\.0\.0/)
    expect(errs({ changelog: '## [Unreleased]\n' })).toMatch(/no '## \[1\.1\.0\]' section/)
    expect(errs({ changelog: undefined })).toMatch(/CHANGELOG\.md is missing/)
    expect(errs({ dirty: ['src/main.ts'] })).toMatch(/not clean \(src\/main\.ts\)/)
    expect(errs({ distDiff: ['dist/index.js'] })).toMatch(/dist\/ differs .*dist\/index\.js/)
    expect(errs({ buildError: 'ncc exploded' })).toMatch(/build failed: ncc exploded/)
    expect(planRelease(facts({ branch: 'topic' }), { push: true, remote: 'o' }).warnings).toEqual([
      "releasing from 'topic', not 'main'"
    ])
  })

  it('parses the command line', () => {
    expect(parseArgs(['1.2.3', '--dry-run', '--remote', 'up', '--no-push'])).toEqual({
      version: '1.2.3',
      dryRun: true,
      push: false,
      remote: 'up'
    })
    expect(parseArgs([])).toMatch(/give the version/)
    expect(parseArgs(['1.2.3', '--force'])).toMatch(/unknown option/)
    expect(parseArgs(['1.2.3', '1.2.4'])).toMatch(/more than one/)
    expect(parseArgs(['1.2.3', '--remote'])).toMatch(/needs a name/)
  })
})

describe('release: in a real git repository', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  const g = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()

  /** A repo whose "build" writes dist/index.js with `built` as its content. */
  function repo(built = 'built\n'): { dir: string; build: string[] } {
    const dir = mkdtempSync(path.join(tmpdir(), 'release-'))
    dirs.push(dir)
    g(dir, 'init', '-q', '-b', 'main')
    g(dir, 'config', 'user.name', 'Release Test')
    g(dir, 'config', 'user.email', 'release@example.invalid')
    g(dir, 'config', 'tag.gpgSign', 'false')
    mkdirSync(path.join(dir, 'dist'))
    writeFileSync(path.join(dir, 'dist', 'index.js'), 'built\n')
    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [1.0.0] - 2025-01-01\n')
    g(dir, 'add', '.')
    g(dir, 'commit', '-q', '-m', 'first')
    const script = `require('fs').writeFileSync('dist/index.js', ${JSON.stringify(built)})`
    return { dir, build: [process.execPath, '-e', script] }
  }

  const opts = { version: '1.0.0', dryRun: false, push: false, remote: 'origin' }

  it('dry run checks everything and creates no tag', () => {
    const { dir, build } = repo()
    const log: string[] = []
    expect(release(dir, { ...opts, dryRun: true }, { build, log: (m) => log.push(m) })).toBe(0)
    expect(g(dir, 'tag', '--list')).toBe('')
    expect(log.join('\n')).toContain('(dry run) git tag --annotate v1.0.0')
  })

  it('tags vX.Y.Z and moves v1 with each release', () => {
    const { dir, build } = repo()
    expect(release(dir, opts, { build, log: () => {} })).toBe(0)
    const first = g(dir, 'rev-parse', 'HEAD')
    expect(g(dir, 'rev-parse', 'v1.0.0^{commit}')).toBe(first)
    expect(g(dir, 'rev-parse', 'v1^{commit}')).toBe(first)

    writeFileSync(path.join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [1.0.1]\n\n## [1.0.0]\n')
    g(dir, 'commit', '-q', '-am', 'second')
    expect(release(dir, { ...opts, version: '1.0.1' }, { build, log: () => {} })).toBe(0)
    const second = g(dir, 'rev-parse', 'HEAD')
    expect(g(dir, 'rev-parse', 'v1^{commit}')).toBe(second)
    expect(g(dir, 'rev-parse', 'v1.0.0^{commit}')).toBe(first)
    // Not above the latest any more.
    const log: string[] = []
    expect(release(dir, { ...opts, version: '1.0.1' }, { build, log: (m) => log.push(m) })).toBe(1)
    expect(log.join('\n')).toMatch(/already exists/)
  })

  it('refuses a dirty tree without building', () => {
    const { dir } = repo()
    writeFileSync(path.join(dir, 'notes.txt'), 'scratch\n')
    const marker = path.join(dir, 'built-marker')
    const build = [
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`
    ]
    const log: string[] = []
    expect(release(dir, opts, { build, log: (m) => log.push(m) })).toBe(1)
    expect(log.join('\n')).toMatch(/not clean \(notes\.txt\)/)
    expect(g(dir, 'tag', '--list')).toBe('')
    expect(() => execFileSync('test', ['-e', marker])).toThrow()
  })

  it('refuses a dist/ that a fresh build changes, and a failing build', () => {
    const { dir, build } = repo('rebuilt differently\n')
    const log: string[] = []
    expect(release(dir, opts, { build, log: (m) => log.push(m) })).toBe(1)
    expect(log.join('\n')).toMatch(/dist\/ differs from a fresh build \(dist\/index\.js\)/)
    expect(g(dir, 'tag', '--list')).toBe('')

    const clean = repo()
    const failing = [process.execPath, '-e', 'console.error("tsc: 3 errors"); process.exit(2)']
    const log2: string[] = []
    expect(release(clean.dir, opts, { build: failing, log: (m) => log2.push(m) })).toBe(1)
    expect(log2.join('\n')).toMatch(/build failed: tsc: 3 errors/)
  })
})
