/**
 * The handoff packer: the complete list of changed files, the hunks that fit the byte budget, and
 * an exact account of everything left out and why. Committed change first (git, else the GitHub
 * API), then uncommitted work in the workspace; both share one budget.
 */
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FileStatus, OmissionReason, Section } from './diff.js'
import { classifyPath, displayPath, parseGlobList, type PathReason } from './paths.js'
import { renderFiles, type SelectedFile } from './patch-select.js'
import {
  isSha,
  readCommits,
  refreshIndex,
  resolveBaseRef,
  resolveRange,
  short,
  topLevel,
  type Commits,
  type Repo
} from './range.js'
import {
  API_FILE_CAP,
  apiSection,
  gitSection,
  startGitDiff,
  untrackedSection,
  type StartedDiff
} from './sources.js'
import { listUntracked } from './untracked.js'
import { refit, screen } from './redact.js'
import type { Redaction } from '../hygiene/secret-screen.js'
import { errorText } from '../hygiene/scrub.js'
import type {
  ChangedFile,
  Ctx,
  FileState,
  Omission,
  PackLog,
  PackOptions,
  PackedChange
} from './pack-types.js'

export {
  SecretsFoundError,
  type ChangedFile,
  type Omission,
  type PackLog,
  type PackOptions,
  type PackedChange,
  type PullFile,
  type Redaction
} from './pack-types.js'

export type { FileStatus, OmissionReason, Section }

const hasGitDir = (workspace: string): Promise<boolean> =>
  lstat(join(workspace, '.git')).then(
    () => true,
    () => false
  )

const quietLog: PackLog = { info: () => {}, warning: () => {}, debug: () => {} }

function makeClassifier(globs: string[]): Ctx['classify'] {
  const cache = new Map<string, PathReason | undefined>()
  const one = (key: string): PathReason | undefined => {
    if (!cache.has(key)) cache.set(key, classifyPath(displayPath(key), globs))
    return cache.get(key)
  }
  // A rename out of a secret file still carries its content: the stricter reason wins.
  return (key, oldKey) => {
    const a = one(key)
    const b = oldKey === undefined ? undefined : one(oldKey)
    return b === 'secret-file' ? b : (a ?? b)
  }
}

// ---------------------------------------------------------------------------------------------
// The two sections

interface Committed {
  source: PackedChange['source']
  note: string
  states: FileState[]
  /** The base commit, when only a base ref was known and it was looked up. */
  baseSha?: string
}

async function committedChange(
  ctx: Ctx,
  repo: Repo | { error: string },
  commits: Promise<Commits>
): Promise<Committed> {
  const { target, pullFiles } = ctx.opts
  const none = (why: string): Committed => {
    ctx.log.warning(`No diff of commits in the handoff: ${why}`)
    return { source: 'none', note: `no diff of commits: ${why}`, states: [] }
  }
  let why = 'error' in repo ? repo.error : ''
  let base = target.baseSha
  let baseNote = ''
  let resolvedBase: string | undefined
  if (!isSha(base) && target.baseRef) {
    // Only a name is known (push to a new branch, `base-ref` on schedule, dispatch or a PR):
    // look up the commit it names, on origin first.
    const found =
      'top' in repo
        ? await resolveBaseRef(repo.top, target.baseRef, (m) => ctx.log.info(m))
        : { error: why }
    if ('sha' in found) {
      base = resolvedBase = found.sha
      baseNote = found.note
    } else {
      why = `the base '${target.baseRef}' could not be resolved: ${found.error}`
      if (!pullFiles) return none(why)
    }
  } else if (!isSha(base)) {
    const reason = base ? `the base '${base}' is not a commit id` : 'no base commit to compare with'
    return { source: 'none', note: `no diff of commits: ${reason}`, states: [] }
  }
  if ('top' in repo && isSha(base)) {
    const top = repo.top
    const head = isSha(target.headSha) ? target.headSha : ''
    const known = { shallow: repo.shallow, commits: await commits }
    const range = await resolveRange(top, base, head, (m) => ctx.log.info(m), known)
    if ('error' in range) {
      why = range.error
    } else {
      const before = ctx.budget.remaining
      try {
        const states = await gitSection(ctx, top, [range.from, range.to], 'commits')
        const notes = [baseNote, range.note]
        // A push whose `before` is not an ancestor of `after` rewrote history: before..after
        // would show the dropped commits as reverted, so the diff starts at the merge base.
        if (target.eventName === 'push' && base === target.baseSha && range.from !== base)
          notes.push(
            `\`before\` ${short(base)} is not an ancestor of ${short(range.to)} (history was rewritten, e.g. a force push), so this is what the new commits change since their merge base`
          )
        return {
          source: 'git',
          note: notes.filter(Boolean).join('; '),
          states,
          baseSha: resolvedBase
        }
      } catch (err) {
        ctx.budget.remaining = before
        why = errorText(err)
      }
    }
  }
  if (pullFiles) {
    const message = `Reading the change from the GitHub API instead of git: ${why}`
    // No checkout at all is the pull_request_target recipe's way: expected, so not a warning.
    if ('error' in repo && !(await hasGitDir(ctx.opts.workspace))) ctx.log.info(message)
    else ctx.log.warning(message)
    try {
      const { states, capped } = await apiSection(ctx, pullFiles)
      const cap = capped
        ? `; the API lists at most ${API_FILE_CAP} files, so the list may be incomplete`
        : ''
      const pr = target.pr ? `pulls/${target.pr.number}/files` : 'pulls/{n}/files'
      return {
        source: 'api',
        note: `GitHub API (${pr}), because git could not: ${why}${cap}`,
        states
      }
    } catch (err) {
      why += `; the GitHub API failed too: ${errorText(err)}`
    }
  }
  return none(why)
}

/**
 * Uncommitted work, started as soon as the top level is known so that git works on it while the
 * committed diff is read; read after it, in the budget's order.
 */
interface Uncommitted {
  hasHead: Promise<boolean>
  /** `git diff HEAD`, running (undefined without a HEAD). */
  tracked: Promise<StartedDiff | undefined>
  untracked: Promise<string[]>
  read: boolean
}

function startUncommitted(top: string, commits: Promise<Commits>): Uncommitted {
  const hasHead = commits.then((c) => c.get('HEAD') !== undefined)
  const untracked = listUntracked(top)
  untracked.catch(() => undefined) // its failure is reported where it is read
  // After the refresh: on a racily clean index `git diff HEAD` would compare every file's content.
  const tracked = Promise.all([hasHead, refreshIndex(top)]).then(([head]) =>
    head ? startGitDiff(top, ['HEAD']) : undefined
  )
  return { hasHead, tracked, untracked, read: false }
}

/** Stops `git diff HEAD` when its turn never came (it would wait on a full pipe). */
function abandon(u: Uncommitted | undefined): void {
  if (u && !u.read) void u.tracked.then((d) => d?.stop())
}

async function uncommittedChange(
  ctx: Ctx,
  top: string,
  u: Uncommitted
): Promise<{ note: string; states: FileState[] }> {
  u.read = true
  const hasHead = await u.hasHead
  const before = ctx.budget.remaining
  try {
    const diff = await u.tracked
    const tracked = diff ? await diff.read(ctx, 'uncommitted') : []
    const { states: untracked, unread } = await untrackedSection(ctx, top, u.untracked)
    const unreadNote = unread > 0 ? `, ${unread} of them listed without being read` : ''
    const files = `${untracked.length} untracked file(s)${unreadNote}`
    const what = hasHead
      ? `git diff HEAD (staged and unstaged) and ${files}`
      : `${files} (no commit yet)`
    return { note: `uncommitted work: ${what}`, states: [...tracked, ...untracked] }
  } catch (err) {
    ctx.budget.remaining = before
    ctx.log.warning(`Could not read uncommitted work: ${errorText(err)}`)
    return { note: `uncommitted work: not read (${errorText(err)})`, states: [] }
  }
}

interface Sections {
  source: PackedChange['source']
  baseSha?: string
  notes: string[]
  states: FileState[]
  /** The uncommitted part as read (its states are also in `states`), for the increment. */
  uncommitted?: { note: string; states: FileState[] }
}

/** The committed change, then the uncommitted work, in that order in the shared budget. */
async function readSections(
  ctx: Ctx,
  repo: Repo | { error: string },
  commits: Promise<Commits>,
  early: Uncommitted | undefined
): Promise<Sections> {
  const out: Sections = { source: 'none', notes: [], states: [] }
  if (ctx.opts.includeDiff) {
    const committed = await committedChange(ctx, repo, commits)
    out.source = committed.source
    out.baseSha = committed.baseSha
    out.notes.push(committed.note)
    out.states.push(...committed.states)
  }
  if (!ctx.opts.includeUncommitted) return out
  if ('error' in repo || !early) {
    out.notes.push(`uncommitted work: not read, ${'error' in repo ? repo.error : 'no repository'}`)
    return out
  }
  const uncommitted = await uncommittedChange(ctx, repo.top, early)
  out.uncommitted = uncommitted
  out.notes.push(uncommitted.note)
  out.states.push(...uncommitted.states)
  if (out.source === 'none' && uncommitted.states.length > 0) out.source = 'git'
  return out
}

/** Every commit the run may ask about, for one `cat-file --batch`. */
function commitNames(opts: PackOptions): string[] {
  const { baseSha, headSha } = opts.target
  return ['HEAD', ...(opts.includeDiff ? [baseSha, headSha].filter(isSha) : [])]
}

// ---------------------------------------------------------------------------------------------

function toChanged(s: FileState): ChangedFile {
  const e = s.entry
  const file: ChangedFile = {
    path: displayPath(e.key),
    status: e.status,
    additions: e.additions,
    deletions: e.deletions,
    binary: e.binary,
    section: s.section
  }
  if (e.oldKey !== undefined) file.oldPath = displayPath(e.oldKey)
  return file
}

function omissionOf(s: FileState): Omission | undefined {
  const path = displayPath(s.entry.key)
  if (s.reason) return { path, section: s.section, reason: s.reason }
  if (s.shown && s.shown.leftOut > 0)
    return { path, section: s.section, reason: 'budget', hunks: s.shown.leftOut }
  return undefined
}

/** The packer's state for one run's options: the budget and the excludes. */
export function newCtx(opts: PackOptions): Ctx {
  return {
    opts,
    log: opts.log ?? quietLog,
    budget: { remaining: Math.max(0, Math.floor(opts.maxDiffBytes)) },
    classify: makeClassifier(parseGlobList(opts.excludePaths))
  }
}

/**
 * The screened states as a change: cut to `max-diff-bytes` again (redaction placeholders may be
 * longer than what they replace), rendered, and every file left out accounted for.
 */
export function assemble(
  opts: PackOptions,
  states: FileState[]
): Pick<
  PackedChange,
  'files' | 'diffText' | 'uncommittedText' | 'omissions' | 'truncated' | 'diffBytes'
> {
  refit(states, Math.max(0, Math.floor(opts.maxDiffBytes)))
  const shown = (section: Section): SelectedFile[] =>
    states.flatMap((s) => (s.section === section && s.shown ? [s.shown] : []))
  const diffText = renderFiles(shown('commits'))
  const uncommittedText = renderFiles(shown('uncommitted'))
  const omissions = states.flatMap((s) => omissionOf(s) ?? [])
  return {
    files: states.map(toChanged),
    diffText,
    uncommittedText,
    omissions,
    truncated: omissions.some((o) => o.reason === 'budget'),
    diffBytes: Buffer.byteLength(diffText) + Buffer.byteLength(uncommittedText)
  }
}

/**
 * One packing run, with what an incremental handoff (./since.ts) reuses of it, so that it asks
 * git nothing twice and reads the workspace once.
 */
export interface PackRun {
  change: PackedChange
  /** The checkout as `topLevel` found it. */
  repo: Repo | { error: string }
  /** The first look at the commits (HEAD, the base and head): present or not, then. */
  commits: Commits
  /** Uncommitted work as packed (screened, cut to the budget), with its own redactions. */
  uncommitted?: { note: string; states: FileState[]; redactions: Redaction[] }
}

/** Packs the change: see the module comment and `PackedChange`. */
export async function packChange(opts: PackOptions): Promise<PackedChange> {
  return (await packRun(opts)).change
}

/** `packChange`, and what the increment reuses of the run: see `PackRun`. */
export async function packRun(opts: PackOptions): Promise<PackRun> {
  const ctx = newCtx(opts)
  // At most six git processes on a PR run whose base is here: this rev-parse, one cat-file for
  // every commit check, the committed diff and, overlapping it, the index refresh, `git diff HEAD`
  // and the untracked list.
  const repo = await topLevel(opts.workspace)
  const top = 'top' in repo ? repo.top : undefined
  const commits: Promise<Commits> = top
    ? readCommits(top, commitNames(opts))
    : Promise.resolve(new Map())
  const early = top && opts.includeUncommitted ? startUncommitted(top, commits) : undefined
  if (opts.secretScan !== 'off')
    void import('../hygiene/secrets.js').then((m) => m.findSecrets('')).catch(() => undefined)
  const sections = await readSections(ctx, repo, commits, early).finally(() => abandon(early))
  const { source, baseSha, notes, states } = sections
  const redactions = await screen(ctx, states)
  const change: PackedChange = {
    source,
    sourceNote: notes.join('; '),
    ...(baseSha ? { baseSha } : {}),
    ...assemble(opts, states),
    redactions
  }
  const u = sections.uncommitted
  return {
    change,
    repo,
    commits: await commits,
    // The whole change is assembled: the increment may cut these to its own budget (on a copy).
    uncommitted: u && {
      note: u.note,
      states: u.states,
      redactions: u.states.flatMap((s) => s.redactions ?? [])
    }
  }
}
