/**
 * Where the change is read from, each as a list of `FileState`s: a `git diff` range, the GitHub
 * API's pull-request files (fallback when git cannot), and untracked files in the workspace.
 */
import {
  applyCounts,
  parseRawNumstat,
  RawSplitter,
  type FileStatus,
  type ListEntry,
  type Section
} from './diff.js'
import { keyOf, quoteC } from './paths.js'
import { PatchSelector, type SelectedFile } from './patch-select.js'
import { gitStream, GitError } from './git.js'
import { listUntracked, readUntracked, type UntrackedFile } from './untracked.js'
import { sanitizeUntrusted } from './sanitize.js'
import type { Ctx, FileState, PullFile } from './pack-types.js'

export const API_FILE_CAP = 3000

const sanitizeCode = (text: string): string => sanitizeUntrusted(text, 'code')

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

// Bounds git's own memory on a large range (Node's is bounded by the budget). On the bench's
// 100 MB diff git alone peaked at 178 MB: its delta-base cache (96 MB by default; it was 16 MB
// before) and the pack it maps, counted as resident as it is read. With these it peaked at
// about 35 MB for the same CPU time: at most 16 MB of pack mapped at once, 1 MB at a time.
const DIFF_MEMORY = [
  '-c',
  'core.deltaBaseCacheLimit=16m',
  '-c',
  'core.packedGitWindowSize=1m',
  '-c',
  'core.packedGitLimit=16m'
]

/** A `git diff` already running, read when its turn in the shared budget comes. */
export interface StartedDiff {
  /** Reads the whole diff into the section's file states (once). */
  read(ctx: Ctx, section: Section): Promise<FileState[]>
  /** Stops git if nobody will read it (its output would otherwise fill the pipe and wait). */
  stop(): void
}

/**
 * Starts `git diff --raw -z -p <range>`: the raw records give exact names and status, the patch
 * gives the hunks and the line counts. Git works ahead until the pipe is full while an earlier
 * section is read; one pass over the content, memory bounded by the budget (and the size of the
 * file list).
 */
export function startGitDiff(cwd: string, rangeArgs: string[]): StartedDiff {
  const args = [...DIFF_ARGS, '--raw', '-z', '-p', '--src-prefix=a/', '--dst-prefix=b/']
  const stream = gitStream(cwd, [...DIFF_MEMORY, ...args, ...rangeArgs, '--'])
  return {
    async read(ctx, section) {
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
    },
    stop: () => stream.stop()
  }
}

/** Reads a `git diff` of the range: see `startGitDiff`. */
export function gitSection(
  ctx: Ctx,
  cwd: string,
  rangeArgs: string[],
  section: Section
): Promise<FileState[]> {
  return startGitDiff(cwd, rangeArgs).read(ctx, section)
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

export async function apiSection(
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

/** Untracked files as a section; `listed` is `listUntracked(top)` if it was started already. */
export async function untrackedSection(
  ctx: Ctx,
  top: string,
  listed: Promise<string[]> = listUntracked(top)
): Promise<{ states: FileState[]; unread: number }> {
  const list: ListEntry[] = []
  const selector = newSelector(ctx)
  const keys = await listed
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
