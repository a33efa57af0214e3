/**
 * The handoff packer: the complete list of changed files, the hunks that fit the byte budget, and
 * an exact account of everything left out and why. Committed change first (git, else the GitHub
 * API), then uncommitted work in the workspace; both share one budget.
 */
import type { Target } from './target.js'
import {
  applyCounts,
  classifyPath,
  displayPath,
  hunkLineNumbers,
  keyOf,
  parseGlobList,
  parseRawNumstat,
  quoteC,
  renderFiles,
  showPath,
  PatchSelector,
  RawSplitter,
  type Budget,
  type FileStatus,
  type HunkText,
  type ListEntry,
  type OmissionReason,
  type PathReason,
  type Section,
  type SelectedFile
} from './diff.js'
import {
  git,
  gitStream,
  isSha,
  listUntracked,
  readUntracked,
  refreshIndex,
  resolveBaseRef,
  resolveRange,
  short,
  topLevel,
  GitError,
  type UntrackedFile
} from './git.js'
import { sanitizeUntrusted } from './sanitize.js'

export interface PullFile {
  filename: string
  status: string
  additions: number
  deletions: number
  changes: number
  patch?: string
  previous_filename?: string
}
export interface PackLog {
  info(m: string): void
  warning(m: string): void
  debug(m: string): void
}
export interface PackOptions {
  workspace: string
  /**
   * baseSha/baseRef/headSha from the target resolver. baseSha '' with a baseRef: the ref is looked
   * up (origin first); neither: no diff of commits.
   */
  target: Target
  includeDiff: boolean
  includeUncommitted: boolean
  maxDiffBytes: number
  /** User globs; added to the built-in secret-file excludes. */
  excludePaths: string[]
  secretScan: 'redact' | 'fail' | 'off'
  /** API fallback (paginated pulls/{n}/files). */
  pullFiles?: () => AsyncIterable<PullFile>
  log?: PackLog
}
export interface ChangedFile {
  path: string
  oldPath?: string
  status: FileStatus
  additions: number
  deletions: number
  binary: boolean
  section: Section
}
export interface Omission {
  path: string
  section: Section
  reason: OmissionReason
  /** Hunks left out when the file is shown in part. */
  hunks?: number
}
export interface Redaction {
  /** `path:line` (new-file line; `path:-N` for a removed line, old-file numbering) or a section name. */
  where: string
  label: string
  ruleId: string
}
export interface PackedChange {
  source: 'git' | 'api' | 'none'
  sourceNote: string
  /** The base commit looked up from `target.baseRef` when the target had no base SHA. */
  baseSha?: string
  /** Complete list, always. */
  files: ChangedFile[]
  /** Hunks of the committed change, within budget, file by file. */
  diffText: string
  /** Hunks of uncommitted work (same budget). */
  uncommittedText: string
  omissions: Omission[]
  /** Anything left out for budget. */
  truncated: boolean
  redactions: Redaction[]
  diffBytes: number
}

/** Thrown with `secret-scan: fail` when the packed diff holds something that looks like a secret. */
export class SecretsFoundError extends Error {
  readonly redactions: Redaction[]
  constructor(redactions: Redaction[]) {
    const where = redactions.map((r) => `${r.where} (${r.label})`)
    const list = where.length > 20 ? [...where.slice(0, 20), `… ${where.length - 20} more`] : where
    super(`Possible credentials found, nothing was sent: ${list.join(', ')}`)
    this.name = 'SecretsFoundError'
    this.redactions = redactions
  }
}

export type { FileStatus, OmissionReason, Section }

const API_FILE_CAP = 3000

/** One file of one section, as it ends up: listed always, shown when `shown` has hunks. */
export interface FileState {
  entry: ListEntry
  section: Section
  reason?: OmissionReason
  shown?: SelectedFile
}

interface Ctx {
  opts: PackOptions
  log: PackLog
  budget: Budget
  classify: (key: string, oldKey?: string) => PathReason | undefined
}

const quietLog: PackLog = { info: () => {}, warning: () => {}, debug: () => {} }
const sanitizeCode = (text: string): string => sanitizeUntrusted(text, 'code')

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

function newSelector(ctx: Ctx): PatchSelector {
  return new PatchSelector({
    budget: ctx.budget,
    wants: (key, oldKey) => ctx.classify(key, oldKey) === undefined,
    sanitize: sanitizeCode
  })
}

/** Joins the list with what the selector kept; the list is the authority on what exists. */
export function settle(
  list: ListEntry[],
  kept: SelectedFile[],
  section: Section,
  classify: Ctx['classify'],
  noPatch: Set<string> = new Set()
): FileState[] {
  const byKey = new Map(kept.map((f) => [f.key, f]))
  return list.map((entry) => {
    const shown = byKey.get(entry.key)
    const reason =
      classify(entry.key, entry.oldKey) ??
      (noPatch.has(entry.key) ? 'no-patch' : entry.binary ? 'binary' : undefined)
    if (reason) return { entry, section, reason }
    if (shown) return { entry, section, shown }
    const changed = entry.additions + entry.deletions > 0
    return changed ? { entry, section, reason: 'budget' } : { entry, section }
  })
}

// ---------------------------------------------------------------------------------------------
// Sources

const DIFF_ARGS = [
  'diff',
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '-M',
  '--no-relative',
  '--submodule=short'
]

/**
 * Streams `git diff --raw -z -p <range>`: the raw records give exact names and status, the patch
 * gives the hunks and the line counts. One pass over the content, memory bounded by the budget
 * (and the size of the file list).
 */
async function gitSection(
  ctx: Ctx,
  cwd: string,
  rangeArgs: string[],
  section: Section
): Promise<FileState[]> {
  const args = [...DIFF_ARGS, '--raw', '-z', '-p', '--src-prefix=a/', '--dst-prefix=b/']
  const stream = gitStream(cwd, [...args, ...rangeArgs, '--'])
  const raw = new RawSplitter()
  const selector = newSelector(ctx)
  try {
    for await (const chunk of stream.chunks) {
      const patch = raw.push(chunk)
      if (patch.length > 0) selector.push(patch)
    }
  } catch (err) {
    stream.stop()
    throw err
  }
  const r = await stream.done
  if (r.code !== 0) throw new GitError(['diff'], r.code, r.stderr)
  selector.end()
  const entries = applyCounts(parseRawNumstat(raw.raw), selector.blocks)
  return settle(entries, selector.files, section, ctx.classify)
}

const API_STATUS: Record<string, FileStatus> = {
  added: 'added',
  removed: 'deleted',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'copied',
  changed: 'modified',
  unchanged: 'modified'
}

/** A git-style header for an API patch, so the same selector reads it. */
function apiHeader(key: string, oldKey: string | undefined, status: FileStatus): string {
  const from = oldKey ?? key
  const lines = [`diff --git ${quoteC(`a/${from}`)} ${quoteC(`b/${key}`)}`]
  if (oldKey !== undefined && status === 'renamed')
    lines.push(`rename from ${quoteC(oldKey)}`, `rename to ${quoteC(key)}`)
  lines.push(`--- ${status === 'added' ? '/dev/null' : quoteC(`a/${from}`)}`)
  lines.push(`+++ ${status === 'deleted' ? '/dev/null' : quoteC(`b/${key}`)}`)
  return lines.join('\n') + '\n'
}

async function apiSection(
  ctx: Ctx,
  pullFiles: () => AsyncIterable<PullFile>
): Promise<{ states: FileState[]; capped: boolean }> {
  const list: ListEntry[] = []
  const noPatch = new Set<string>()
  const selector = newSelector(ctx)
  for await (const pf of pullFiles()) {
    const key = keyOf(pf.filename)
    const oldKey = pf.previous_filename ? keyOf(pf.previous_filename) : undefined
    const status = API_STATUS[pf.status] ?? 'unknown'
    list.push({
      key,
      oldKey,
      status,
      additions: pf.additions,
      deletions: pf.deletions,
      binary: false
    })
    if (typeof pf.patch !== 'string' || pf.patch === '') {
      // Large and binary files come without a patch; a pure rename has nothing to show.
      if (pf.changes > 0 || status === 'added' || status === 'modified') noPatch.add(key)
      continue
    }
    if (selector.full || ctx.classify(key, oldKey)) continue
    const body = pf.patch.endsWith('\n') ? pf.patch : `${pf.patch}\n`
    selector.push(
      Buffer.concat([Buffer.from(apiHeader(key, oldKey, status), 'latin1'), Buffer.from(body)])
    )
  }
  selector.end()
  const states = settle(list, selector.files, 'commits', ctx.classify, noPatch)
  return { states, capped: list.length >= API_FILE_CAP }
}

/** A new-file patch for an untracked file, as `git diff --no-index /dev/null FILE` would print. */
function untrackedPatch(key: string, f: UntrackedFile & { content: Buffer }): Buffer {
  const name = quoteC(`b/${key}`)
  const head = `diff --git ${quoteC(`a/${key}`)} ${name}\nnew file mode ${f.mode}\n--- /dev/null\n+++ ${name}\n`
  const parts: Buffer[] = [
    Buffer.from(`${head}@@ -0,0 +1${f.lines === 1 ? '' : `,${f.lines}`} @@\n`, 'latin1')
  ]
  let at = 0
  while (at < f.content.length) {
    const nl = f.content.indexOf(10, at)
    const end = nl === -1 ? f.content.length : nl + 1
    parts.push(Buffer.from('+'), f.content.subarray(at, end))
    if (nl === -1) parts.push(Buffer.from('\n\\ No newline at end of file\n'))
    at = end
  }
  return Buffer.concat(parts)
}

// Reading stops here (an unignored node_modules can hold 100,000 files); the rest are listed
// without line counts.
const UNTRACKED_READ_MAX = 5000

async function untrackedSection(
  ctx: Ctx,
  top: string
): Promise<{ states: FileState[]; unread: number }> {
  const list: ListEntry[] = []
  const selector = newSelector(ctx)
  const keys = await listUntracked(top)
  for (const [i, key] of keys.entries()) {
    if (i >= UNTRACKED_READ_MAX) {
      list.push({ key, status: 'added', additions: 0, deletions: 0, binary: false })
      continue
    }
    const inline = !selector.full && ctx.classify(key) === undefined
    const f = await readUntracked(top, key, inline ? ctx.budget.remaining : 0)
    list.push({ key, status: 'added', additions: f.lines, deletions: 0, binary: f.binary })
    if (f.content && f.content.length > 0)
      selector.push(untrackedPatch(key, { ...f, content: f.content }))
  }
  selector.end()
  const states = settle(list, selector.files, 'uncommitted', ctx.classify)
  return { states, unread: Math.max(0, keys.length - UNTRACKED_READ_MAX) }
}

// ---------------------------------------------------------------------------------------------
// The two sections

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err))

interface Committed {
  source: PackedChange['source']
  note: string
  states: FileState[]
  /** The base commit, when only a base ref was known and it was looked up. */
  baseSha?: string
}

async function committedChange(
  ctx: Ctx,
  repo: { top: string } | { error: string }
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
    const range = await resolveRange(top, base, head, (m) => ctx.log.info(m))
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
    ctx.log.warning(`Reading the change from the GitHub API instead of git: ${why}`)
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

async function uncommittedChange(
  ctx: Ctx,
  top: string
): Promise<{ note: string; states: FileState[] }> {
  const hasHead = (await git(top, ['rev-parse', '--verify', '-q', 'HEAD^{commit}'])).code === 0
  const before = ctx.budget.remaining
  try {
    const tracked = hasHead ? await gitSection(ctx, top, ['HEAD'], 'uncommitted') : []
    const { states: untracked, unread } = await untrackedSection(ctx, top)
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

// ---------------------------------------------------------------------------------------------
// Secrets

/**
 * Splits findings at line ends so redaction keeps every line (and its `+`/`-`/` ` prefix) in
 * place: a private key over 30 lines becomes 30 placeholder lines, and hunk headers stay true.
 */
export function perLine<F extends { start: number; end: number }>(
  text: string,
  findings: F[]
): F[] {
  const out: F[] = []
  for (const f of findings) {
    let start = f.start
    while (start < f.end) {
      const nl = text.indexOf('\n', start)
      const end = nl === -1 || nl > f.end ? f.end : nl
      const s = start === 0 || text[start - 1] === '\n' ? start + 1 : start
      if (end > s) out.push({ ...f, start: s, end })
      start = end + 1
    }
  }
  return out
}

function regroup(hunks: HunkText[], text: string): HunkText[] {
  const lines = text.split('\n')
  let at = 0
  return hunks.map((h) => {
    const n = h.text.split('\n').length - 1
    const part = lines.slice(at, at + n)
    at += n
    return { ...h, text: `${part.join('\n')}\n` }
  })
}

async function screen(ctx: Ctx, states: FileState[]): Promise<Redaction[]> {
  const mode = ctx.opts.secretScan
  const shown = states.filter(
    (s): s is FileState & { shown: SelectedFile } => s.shown !== undefined
  )
  if (mode === 'off' || shown.length === 0) return []
  const { findSecretsInMany, redactSecrets } = await import('./secrets.js')
  const texts = shown.map((s) => s.shown.hunks.map((h) => h.text).join(''))
  const found = await findSecretsInMany(texts)
  const redactions: Redaction[] = []
  shown.forEach((s, i) => {
    const findings = found[i] ?? []
    if (findings.length === 0) return
    const numbers = s.shown.hunks.flatMap(hunkLineNumbers)
    const path = showPath(s.entry.key)
    for (const f of findings) {
      redactions.push({
        where: `${path}:${numbers[f.line - 1] ?? f.line}`,
        label: f.label,
        ruleId: f.ruleId
      })
    }
    if (mode === 'redact') {
      s.shown.hunks = regroup(
        s.shown.hunks,
        redactSecrets(texts[i] ?? '', perLine(texts[i] ?? '', findings))
      )
    }
  })
  if (redactions.length > 0 && mode === 'fail') throw new SecretsFoundError(redactions)
  for (const r of redactions)
    ctx.log.warning(`Possible ${r.label} in the diff at ${r.where}: redacted before sending`)
  return redactions
}

/** Placeholders can be longer than what they replace: drop hunks from the end until it fits. */
function refit(states: FileState[], max: number): void {
  const bytes = (f: SelectedFile): number => Buffer.byteLength(renderFiles([f]))
  let total = states.reduce((n, s) => n + (s.shown ? bytes(s.shown) : 0), 0)
  for (let i = states.length - 1; i >= 0 && total > max; i--) {
    const s = states[i]
    if (!s?.shown) continue
    total -= bytes(s.shown)
    while (s.shown.hunks.length > 0 && bytes(s.shown) + total > max) {
      s.shown.hunks.pop()
      s.shown.leftOut++
    }
    if (s.shown.hunks.length === 0) {
      s.shown = undefined
      s.reason = 'budget'
    } else {
      total += bytes(s.shown)
    }
  }
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

/** Packs the change: see the module comment and `PackedChange`. */
export async function packChange(opts: PackOptions): Promise<PackedChange> {
  const ctx: Ctx = {
    opts,
    log: opts.log ?? quietLog,
    budget: { remaining: Math.max(0, Math.floor(opts.maxDiffBytes)) },
    classify: makeClassifier(parseGlobList(opts.excludePaths))
  }
  const repo = await topLevel(opts.workspace)
  // Work that can overlap the committed diff: the index refresh that makes `git diff HEAD`
  // cheap, and loading the secret scanner.
  const refreshed = opts.includeUncommitted && 'top' in repo ? refreshIndex(repo.top) : undefined
  if (opts.secretScan !== 'off')
    void import('./secrets.js').then((m) => m.findSecrets('')).catch(() => undefined)
  const notes: string[] = []
  const states: FileState[] = []
  let source: PackedChange['source'] = 'none'
  let baseSha: string | undefined
  if (opts.includeDiff) {
    const committed = await committedChange(ctx, repo)
    source = committed.source
    baseSha = committed.baseSha
    notes.push(committed.note)
    states.push(...committed.states)
  }
  if (opts.includeUncommitted) {
    if ('top' in repo) {
      await refreshed
      const uncommitted = await uncommittedChange(ctx, repo.top)
      notes.push(uncommitted.note)
      states.push(...uncommitted.states)
      if (source === 'none' && uncommitted.states.length > 0) source = 'git'
    } else {
      notes.push(`uncommitted work: not read, ${repo.error}`)
    }
  }
  const redactions = await screen(ctx, states)
  refit(states, Math.max(0, Math.floor(opts.maxDiffBytes)))
  const shown = (section: Section): SelectedFile[] =>
    states.flatMap((s) => (s.section === section && s.shown ? [s.shown] : []))
  const diffText = renderFiles(shown('commits'))
  const uncommittedText = renderFiles(shown('uncommitted'))
  const omissions = states.flatMap((s) => omissionOf(s) ?? [])
  return {
    source,
    sourceNote: notes.join('; '),
    ...(baseSha ? { baseSha } : {}),
    files: states.map(toChanged),
    diffText,
    uncommittedText,
    omissions,
    truncated: omissions.some((o) => o.reason === 'budget'),
    redactions,
    diffBytes: Buffer.byteLength(diffText) + Buffer.byteLength(uncommittedText)
  }
}
