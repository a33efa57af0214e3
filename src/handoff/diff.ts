/**
 * Pure diff parsing: the file list from `git diff --raw -z`, the paths in a patch's file header,
 * hunk headers and line numbers, and the patch's line counts put on the list.
 *
 * Paths are carried as *keys* (raw bytes as latin1; see `paths.ts`).
 */
import { unquoteC } from './paths.js'

// Prompt rendering reads keys through this module.
export { keyOf, showPath } from './paths.js'

export type FileStatus =
  'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed' | 'unknown'
export type Section = 'commits' | 'uncommitted'
export type OmissionReason =
  'budget' | 'excluded' | 'secret-file' | 'lock' | 'generated' | 'binary' | 'no-patch'

export interface ListEntry {
  key: string
  oldKey?: string
  status: FileStatus
  additions: number
  deletions: number
  binary: boolean
}

// ---------------------------------------------------------------------------------------------
// File list

const STATUS: Record<string, FileStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed'
}

/**
 * Parses `git diff --raw -z` records (and `--numstat -z` ones if present, which follow them).
 * Fields are read by position, so any byte in a name (space, tab, newline, `:`) is safe.
 */
export function parseRawNumstat(out: Buffer): ListEntry[] {
  const fields = out.toString('latin1').split('\0')
  const entries: ListEntry[] = []
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>()
  let i = 0
  while (i < fields.length) {
    const f = fields[i++] ?? ''
    if (f === '') continue
    if (f.startsWith(':')) {
      const letter = (f.slice(1).split(' ')[4] ?? '').charAt(0)
      const status = STATUS[letter] ?? 'unknown'
      if (letter === 'R' || letter === 'C') {
        const oldKey = fields[i++] ?? ''
        entries.push({
          key: fields[i++] ?? '',
          oldKey,
          status,
          additions: 0,
          deletions: 0,
          binary: false
        })
      } else {
        entries.push({ key: fields[i++] ?? '', status, additions: 0, deletions: 0, binary: false })
      }
      continue
    }
    const m = /^(-|\d+)\t(-|\d+)\t([^]*)$/.exec(f)
    if (!m) continue
    let key = m[3] ?? ''
    if (key === '') {
      i++ // rename/copy: old name, then new name
      key = fields[i++] ?? ''
    }
    const binary = m[1] === '-'
    counts.set(key, {
      additions: binary ? 0 : Number(m[1]),
      deletions: binary ? 0 : Number(m[2]),
      binary
    })
  }
  for (const e of entries) Object.assign(e, counts.get(e.key))
  return entries
}

/**
 * Splits `git diff --raw -z -p` output, which is the raw records (NUL-terminated fields), one
 * empty field, then the patch. One git process thus gives both the exact list and the hunks: for
 * uncommitted work that halves the cost, since each `git diff HEAD` re-hashes racily clean files.
 */
export class RawSplitter {
  private buf = Buffer.alloc(64 * 1024)
  private len = 0
  private pos = 0
  private paths = 0
  private ended = false

  /** The raw part so far (all of it once `push` has returned patch bytes). */
  get raw(): Buffer {
    return this.buf.subarray(0, this.len)
  }

  /** Takes output; returns the patch bytes in it (empty while still in the raw part). */
  push(chunk: Buffer): Buffer {
    if (this.ended) return chunk
    if (this.len + chunk.length > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + chunk.length))
      this.buf.copy(next, 0, 0, this.len)
      this.buf = next
    }
    chunk.copy(this.buf, this.len)
    this.len += chunk.length
    for (;;) {
      if (this.pos >= this.len) return Buffer.alloc(0)
      if (this.paths === 0 && this.buf[this.pos] !== 0x3a /* : */) {
        // The empty separator field (or no raw part at all): the patch starts here.
        const start = this.buf[this.pos] === 0 ? this.pos + 1 : this.pos
        this.ended = true
        const rest = Buffer.from(this.buf.subarray(start, this.len))
        this.len = this.pos
        return rest
      }
      const nul = this.buf.indexOf(0, this.pos)
      if (nul === -1 || nul >= this.len) return Buffer.alloc(0)
      if (this.paths > 0) {
        this.paths--
      } else {
        const letter = this.buf.toString('latin1', this.pos, nul).split(' ')[4]?.charAt(0)
        this.paths = letter === 'R' || letter === 'C' ? 2 : 1
      }
      this.pos = nul + 1
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Patch headers

function headerName(raw: string, prefix: string): string | undefined {
  if (raw.startsWith('"')) {
    const q = unquoteC(raw)
    return q && q.value.startsWith(prefix) ? q.value.slice(prefix.length) : undefined
  }
  // Unquoted names never hold a tab; git adds one after names with spaces (for GNU patch).
  const name = raw.endsWith('\t') ? raw.slice(0, -1) : raw
  if (name === '/dev/null') return name
  return name.startsWith(prefix) ? name.slice(prefix.length) : undefined
}

function diffGitNames(line: string): { a: string; b: string } | undefined {
  const rest = line.slice('diff --git '.length)
  if (rest.startsWith('"')) {
    const a = unquoteC(rest)
    if (!a || rest[a.end] !== ' ') return undefined
    const braw = rest.slice(a.end + 1)
    const b = braw.startsWith('"') ? unquoteC(braw)?.value : braw
    if (b === undefined || !a.value.startsWith('a/') || !b.startsWith('b/')) return undefined
    return { a: a.value.slice(2), b: b.slice(2) }
  }
  // `a/NAME b/NAME`: without renames both names are equal, so the split point is known.
  const n = (rest.length - 5) / 2
  if (!Number.isInteger(n) || !rest.startsWith('a/') || rest.slice(n + 2, n + 5) !== ' b/')
    return undefined
  const a = rest.slice(2, n + 2)
  return a === rest.slice(n + 5) ? { a, b: a } : undefined
}

/** Paths of one file's patch header (latin1 lines). `key` is the new path (old one if deleted). */
export function parseHeaderPaths(lines: string[]): { key: string; oldKey?: string } | undefined {
  let from: string | undefined
  let to: string | undefined
  let minus: string | undefined
  let plus: string | undefined
  for (const line of lines) {
    const m = /^(rename|copy) (from|to) /.exec(line)
    if (m) {
      const raw = line.slice(m[0].length)
      const name = raw.startsWith('"') ? unquoteC(raw)?.value : raw
      if (m[2] === 'from') from = name
      else to = name
    } else if (line.startsWith('--- ')) minus = headerName(line.slice(4), 'a/')
    else if (line.startsWith('+++ ')) plus = headerName(line.slice(4), 'b/')
  }
  if (from !== undefined && to !== undefined) return { key: to, oldKey: from }
  if (plus !== undefined && plus !== '/dev/null') return { key: plus }
  if (minus !== undefined && minus !== '/dev/null') return { key: minus }
  const names = lines[0] === undefined ? undefined : diffGitNames(lines[0])
  return names && { key: names.b }
}

// ---------------------------------------------------------------------------------------------
// Hunks

export interface HunkText {
  /** The hunk as shown: `@@` line and body, each line ending in `\n`, sanitized. */
  text: string
  oldStart: number
  newStart: number
}

export function parseHunkHeader(line: string): { oldStart: number; newStart: number } | undefined {
  const m = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line)
  return m ? { oldStart: Number(m[1]), newStart: Number(m[2]) } : undefined
}

/**
 * Line numbers for each line of a hunk's text: the new-file line for context and added lines, the
 * old-file line (negative) for removed lines, the new start for the `@@` line itself.
 */
export function hunkLineNumbers(h: HunkText): number[] {
  const out: number[] = []
  let oldLine = h.oldStart
  let newLine = h.newStart
  const lines = h.text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  lines.forEach((line, i) => {
    if (i === 0) return out.push(h.newStart)
    const c = line.charAt(0)
    if (c === '+') out.push(newLine++)
    else if (c === '-') out.push(-oldLine++)
    else if (c === '\\') out.push(out[out.length - 1] ?? h.newStart)
    else {
      out.push(newLine++)
      oldLine++
    }
  })
  return out
}

// ---------------------------------------------------------------------------------------------
// Line counts

/** What the patch says about one file block, whether or not anything of it was kept. */
export interface BlockStats {
  /** Undefined only if the header could not be read (then matched by position). */
  key?: string
  additions: number
  deletions: number
  binary: boolean
}

/**
 * Puts the patch's line counts on the list entries (matched by path; a block whose header could
 * not be read is matched by position when both have the same length). A type change shows as two
 * blocks for one path, so counts add up.
 */
export function applyCounts(list: ListEntry[], blocks: BlockStats[]): ListEntry[] {
  const sums = new Map<string, BlockStats>()
  const positional = blocks.length === list.length
  blocks.forEach((b, i) => {
    const key = b.key ?? (positional ? list[i]?.key : undefined)
    if (key === undefined) return
    const s = sums.get(key) ?? { key, additions: 0, deletions: 0, binary: false }
    s.additions += b.additions
    s.deletions += b.deletions
    s.binary ||= b.binary
    sums.set(key, s)
  })
  return list.map((e) => {
    const s = sums.get(e.key)
    return s ? { ...e, additions: s.additions, deletions: s.deletions, binary: s.binary } : e
  })
}
