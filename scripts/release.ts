/**
 * Tags a release: `vX.Y.Z` on HEAD, moves the major tag (`v1`) to it, and pushes both.
 *
 *   node scripts/release.ts 1.2.3 [--dry-run] [--no-push] [--remote origin]
 *
 * It refuses a dirty tree, a `dist/` that differs from a fresh build, a version that is not above
 * the latest `vX.Y.Z` tag (or whose tag exists), and a CHANGELOG.md without a `## [X.Y.Z]`
 * section. `--dry-run` runs every check (the build included) and prints the git commands instead
 * of running them.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'

export interface Version {
  major: number
  minor: number
  patch: number
}

/** `1.2.3` or `v1.2.3`; no pre-release or build suffix (Marketplace users pin plain tags). */
export function parseVersion(raw: string): Version | undefined {
  const m = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(raw.trim())
  if (!m) return undefined
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) }
}

export const formatVersion = (v: Version): string => `${v.major}.${v.minor}.${v.patch}`

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

/** The highest `vX.Y.Z` among the tags; moving tags like `v1` are not versions. */
export function latestVersion(tags: string[]): Version | undefined {
  let best: Version | undefined
  for (const tag of tags) {
    if (!tag.startsWith('v')) continue
    const v = parseVersion(tag)
    if (v && (!best || compareVersions(v, best) > 0)) best = v
  }
  return best
}

/** A `## [X.Y.Z]` heading (Keep a Changelog), optionally followed by a date. */
export function changelogHasVersion(changelog: string, v: Version): boolean {
  const escaped = formatVersion(v).replace(/\./g, '\\.')
  return new RegExp(`^## \\[${escaped}\\](?:\\s|$)`, 'm').test(changelog)
}

/** Paths named by `git status --porcelain` (v1), untracked files included. */
export function porcelainPaths(porcelain: string): string[] {
  return porcelain
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.slice(3))
}

export interface ReleaseFacts {
  version: string
  tags: string[]
  changelog: string | undefined
  /** Changed or untracked paths before the build. */
  dirty: string[]
  /** Paths under dist/ that the fresh build changed; undefined when the build did not run. */
  distDiff: string[] | undefined
  /** Set when the build command itself failed. */
  buildError?: string
  branch: string
}

export interface ReleasePlan {
  errors: string[]
  warnings: string[]
  tag: string
  majorTag: string
  commands: string[][]
}

export function planRelease(
  facts: ReleaseFacts,
  opts: { push: boolean; remote: string }
): ReleasePlan {
  const errors: string[] = []
  const warnings: string[] = []
  const v = parseVersion(facts.version)
  if (!v) {
    const plan = { errors, warnings, tag: '', majorTag: '', commands: [] }
    errors.push(`'${facts.version}' is not a version like 1.2.3`)
    return plan
  }
  const tag = `v${formatVersion(v)}`
  const majorTag = `v${v.major}`
  if (facts.tags.includes(tag)) errors.push(`tag ${tag} already exists`)
  const latest = latestVersion(facts.tags)
  if (latest && compareVersions(v, latest) <= 0 && !facts.tags.includes(tag)) {
    errors.push(`${tag} is not above the latest release v${formatVersion(latest)}`)
  }
  if (facts.changelog === undefined) errors.push('CHANGELOG.md is missing')
  else if (!changelogHasVersion(facts.changelog, v)) {
    errors.push(
      `CHANGELOG.md has no '## [${formatVersion(v)}]' section; move the Unreleased entries there`
    )
  }
  if (facts.dirty.length > 0) {
    const list = facts.dirty.slice(0, 10).join(', ')
    const more = facts.dirty.length > 10 ? ` and ${facts.dirty.length - 10} more` : ''
    errors.push(`the working tree is not clean (${list}${more}); commit or stash first`)
  }
  if (facts.buildError) errors.push(`the build failed: ${facts.buildError}`)
  else if (facts.distDiff && facts.distDiff.length > 0) {
    errors.push(
      `dist/ differs from a fresh build (${facts.distDiff.join(', ')}); commit the rebuilt dist/ first`
    )
  }
  if (facts.branch !== 'main') warnings.push(`releasing from '${facts.branch}', not 'main'`)
  const commands = [
    ['git', 'tag', '--annotate', tag, '--message', tag],
    ['git', 'tag', '--force', '--annotate', majorTag, '--message', `Move ${majorTag} to ${tag}`]
  ]
  if (opts.push) {
    commands.push(['git', 'push', opts.remote, `refs/tags/${tag}`])
    commands.push(['git', 'push', '--force', opts.remote, `refs/tags/${majorTag}`])
  }
  return { errors, warnings, tag, majorTag, commands }
}

export interface CliOptions {
  version: string
  dryRun: boolean
  push: boolean
  remote: string
}

export function parseArgs(args: string[]): CliOptions | string {
  const out: CliOptions = { version: '', dryRun: false, push: true, remote: 'origin' }
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ''
    if (a === '--dry-run') out.dryRun = true
    else if (a === '--no-push') out.push = false
    else if (a === '--remote') {
      const remote = args[++i]
      if (!remote || remote.startsWith('-')) return '--remote needs a name'
      out.remote = remote
    } else if (a.startsWith('-')) return `unknown option ${a}`
    else if (out.version) return `more than one version given (${out.version}, ${a})`
    else out.version = a
  }
  if (!out.version) return 'give the version to release, e.g. 1.2.3'
  return out
}

// ---- I/O ----

function run(cwd: string, cmd: string[]): { code: number; out: string } {
  const [bin = '', ...args] = cmd
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' })
  const err = r.error ? `${r.error.message}\n` : ''
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${err}${r.stderr ?? ''}` }
}

function git(cwd: string, args: string[]): string {
  const r = run(cwd, ['git', ...args])
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.out.trim()}`)
  return r.out
}

const lastLine = (text: string): string => text.trim().split('\n').pop() ?? ''

/** Looks at the repository; builds only when the tree is clean, so the diff is the build's. */
export function gatherFacts(root: string, version: string, build: string[]): ReleaseFacts {
  const dirty = porcelainPaths(git(root, ['status', '--porcelain', '--untracked-files=all']))
  let distDiff: string[] | undefined
  let buildError: string | undefined
  if (dirty.length === 0) {
    const r = run(root, build)
    if (r.code !== 0) buildError = lastLine(r.out) || `exit code ${r.code}`
    else
      distDiff = porcelainPaths(
        git(root, ['status', '--porcelain', '--untracked-files=all', '--', 'dist'])
      )
  }
  const changelogPath = path.join(root, 'CHANGELOG.md')
  return {
    version,
    tags: git(root, ['tag', '--list']).split('\n').filter(Boolean),
    changelog: existsSync(changelogPath) ? readFileSync(changelogPath, 'utf8') : undefined,
    dirty,
    distDiff,
    buildError,
    branch: git(root, ['rev-parse', '--abbrev-ref', 'HEAD']).trim()
  }
}

export function release(
  root: string,
  opts: CliOptions,
  deps: { build?: string[]; log?: (m: string) => void } = {}
): number {
  const log = deps.log ?? console.log
  const build = deps.build ?? [process.execPath, 'scripts/build.ts']
  const plan = planRelease(gatherFacts(root, opts.version, build), opts)
  for (const w of plan.warnings) log(`warning: ${w}`)
  if (plan.errors.length > 0) {
    for (const e of plan.errors) log(`refusing: ${e}`)
    return 1
  }
  for (const cmd of plan.commands) {
    log(`${opts.dryRun ? '(dry run) ' : ''}${cmd.join(' ')}`)
    if (opts.dryRun) continue
    const r = run(root, cmd)
    if (r.code !== 0) {
      log(`failed: ${r.out.trim()}`)
      return 1
    }
  }
  log(
    opts.dryRun
      ? `dry run: ${plan.tag} would be tagged and ${plan.majorTag} moved to it`
      : `released ${plan.tag}; ${plan.majorTag} now points to it`
  )
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const parsed = parseArgs(process.argv.slice(2))
  if (typeof parsed === 'string') {
    console.log(`release: ${parsed}`)
    console.log('usage: node scripts/release.ts X.Y.Z [--dry-run] [--no-push] [--remote origin]')
    process.exitCode = 2
  } else {
    process.exitCode = release(path.resolve(import.meta.dirname, '..'), parsed)
  }
}
