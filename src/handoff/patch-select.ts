/**
 * The streaming hunk selector: reads `git diff` patch output, counts every file's lines, and keeps
 * the hunks that fit the shared byte budget, file by file.
 */
import { parseHeaderPaths, parseHunkHeader, type BlockStats, type HunkText } from './diff.js'

export interface Budget {
  remaining: number
}

export interface SelectedFile {
  key: string
  oldKey?: string
  /** Header as shown (`diff --git`, mode/rename lines, `---`/`+++`; no `index` line), sanitized. */
  header: string
  hunks: HunkText[]
  /** Hunks seen after the last one that fit (counted only once something of the file was kept). */
  leftOut: number
}

/** Below this nothing more can fit (`diff --git a/x b/x`, `---`/`+++`, a one-line hunk). */
export const MIN_BLOCK_BYTES = 48

export interface PatchSelectorOptions {
  budget: Budget
  /** False for files whose hunks are never inlined (see `classifyPath`). */
  wants(key: string, oldKey?: string): boolean
  sanitize(text: string): string
}

const DIFF_GIT = Buffer.from('\ndiff --git ')
const HUNK_AT = Buffer.from('\n@@ ')
const KEEP = DIFF_GIT.length - 1
const MAX_HEADER_LINE = 1 << 20
const PLUS = 0x2b
const MINUS = 0x2d
const NL_PLUS = Buffer.from('\n+')
const NL_MINUS = Buffer.from('\n-')
function occurrences(buf: Buffer, pattern: Buffer): number {
  let n = 0
  for (let i = buf.indexOf(pattern); i !== -1; i = buf.indexOf(pattern, i + 1)) n++
  return n
}
const startsAt = (buf: Buffer, at: number, s: string): boolean =>
  buf.length - at >= s.length && buf.toString('latin1', at, at + s.length) === s

interface OpenFile extends SelectedFile {
  headerBytes: number
  cut: boolean
}
interface OpenHunk {
  parts: Buffer[]
  raw: number
  keep: boolean
}

/**
 * Reads `git diff` patch output chunk by chunk. For every file block it counts added and removed
 * lines (so the file list needs no second full diff: `--numstat` would cost another pass over
 * all the content), and it keeps, file by file, the hunks that fit the shared budget, cutting
 * only between hunks.
 *
 * Greedy in order: a file (or hunk) that does not fit is passed over and later, smaller files
 * still get their chance, because small config or test changes after one huge generated file are
 * usually what matters, and the whole patch is read for the counts anyway. Within a file only a
 * prefix of hunks is kept, so what is shown reads top to bottom. Nothing is buffered beyond the
 * budget: a hunk is dropped as soon as its raw size passes what is left (sanitizing never shrinks
 * text), and files that are not kept are jumped over with `indexOf`, counting as they go.
 */
export class PatchSelector {
  readonly files: SelectedFile[] = []
  readonly blocks: BlockStats[] = []
  private readonly opts: PatchSelectorOptions
  // A virtual line break before the first byte, so the first line is found like any other.
  private carry: Buffer = Buffer.from('\n')
  private state: 'start' | 'header' | 'hunk' = 'start'
  private header: string[] = []
  private block: BlockStats | undefined
  private lineStart = true
  private file: OpenFile | undefined
  private hunk: OpenHunk | undefined
  // Next boundary positions in the current buffer: -2 not searched yet, -1 none left.
  private nextDiff = -2
  private nextHunk = -2

  constructor(opts: PatchSelectorOptions) {
    this.opts = opts
  }

  /** True once nothing more can fit (callers may skip reading contents). */
  get full(): boolean {
    return this.opts.budget.remaining < MIN_BLOCK_BYTES
  }

  push(chunk: Buffer): void {
    this.run(this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk, false)
  }

  end(): void {
    this.run(this.carry, true)
    if (this.state === 'header' && this.header.length > 0) this.endHeader(false)
    this.finishFile()
  }

  private run(buf: Buffer, final: boolean): void {
    this.nextDiff = this.nextHunk = -2
    let pos = 0
    for (;;) {
      if (this.state === 'header') {
        const nl = buf.indexOf(10, pos)
        if (nl === -1) {
          if (final && pos < buf.length) this.header.push(buf.toString('latin1', pos))
          if (final || buf.length - pos > MAX_HEADER_LINE) pos = buf.length
          break
        }
        if (
          this.header.length > 0 &&
          (startsAt(buf, pos, '@@ ') || startsAt(buf, pos, 'diff --git '))
        ) {
          this.endHeader(buf[pos] === 0x40)
          continue
        }
        this.header.push(buf.toString('latin1', pos, nl))
        pos = nl + 1
        continue
      }
      const at = this.nextBoundary(buf, pos)
      const end = at !== -1 ? at + 1 : final ? buf.length : Math.max(pos, buf.length - KEEP)
      if (this.state === 'hunk') {
        this.count(buf, pos, end)
        this.addToHunk(buf, pos, end)
      }
      pos = end
      if (at === -1) break
      if (this.state === 'hunk') this.finishHunk()
      if (buf[pos] === 0x64 /* d */) {
        this.finishFile()
        this.state = 'header'
      } else if (this.file) {
        this.hunk = { parts: [], raw: 0, keep: !this.file.cut }
      }
    }
    this.carry = final ? Buffer.alloc(0) : Buffer.from(buf.subarray(pos))
  }

  private nextBoundary(buf: Buffer, pos: number): number {
    if (this.nextDiff === -2 || (this.nextDiff >= 0 && this.nextDiff < pos)) {
      this.nextDiff = buf.indexOf(DIFF_GIT, pos)
    }
    // Hunk starts matter only inside a file being kept; elsewhere counting needs no boundaries.
    if (!this.file) return this.nextDiff
    if (this.nextHunk === -2 || (this.nextHunk >= 0 && this.nextHunk < pos)) {
      this.nextHunk = buf.indexOf(HUNK_AT, pos)
    }
    if (this.nextDiff === -1 || this.nextHunk === -1) return Math.max(this.nextDiff, this.nextHunk)
    return Math.min(this.nextDiff, this.nextHunk)
  }

  /** Counts `+` and `-` lines in hunk bytes (header lines never reach here). */
  private count(buf: Buffer, start: number, end: number): void {
    const b = this.block
    if (!b || end <= start) return
    if (this.lineStart) {
      if (buf[start] === PLUS) b.additions++
      else if (buf[start] === MINUS) b.deletions++
    }
    // Native searches for "\n+" and "\n-" beat a JavaScript loop over every line.
    const region = buf.subarray(start, end)
    b.additions += occurrences(region, NL_PLUS)
    b.deletions += occurrences(region, NL_MINUS)
    this.lineStart = buf[end - 1] === 10
  }

  private endHeader(hasHunks: boolean): void {
    const lines = this.header
    this.header = []
    const paths = parseHeaderPaths(lines)
    const binary = lines.some((l) => l.startsWith('Binary files ') || l === 'GIT binary patch')
    this.block = { key: paths?.key, additions: 0, deletions: 0, binary }
    this.blocks.push(this.block)
    this.lineStart = true
    this.state = hasHunks ? 'hunk' : 'header'
    // A mode change has no hunks; its header alone says what changed, so it is kept if it fits.
    const modeOnly = !hasHunks && lines.some((l) => l.startsWith('old mode '))
    if (!(hasHunks || modeOnly) || !paths || this.full || !this.opts.wants(paths.key, paths.oldKey))
      return
    const shown = lines.filter((l) => !l.startsWith('index ')).join('\n') + '\n'
    const header = this.opts.sanitize(Buffer.from(shown, 'latin1').toString('utf8'))
    const headerBytes = Buffer.byteLength(header)
    if (modeOnly) {
      if (headerBytes > this.opts.budget.remaining) return
      this.opts.budget.remaining -= headerBytes
      this.files.push({ ...paths, header, hunks: [], leftOut: 0 })
      return
    }
    this.file = { ...paths, header, hunks: [], leftOut: 0, headerBytes, cut: false }
    this.hunk = { parts: [], raw: 0, keep: true }
  }

  private addToHunk(buf: Buffer, start: number, end: number): void {
    const h = this.hunk
    const f = this.file
    if (!h || !f || !h.keep || end <= start) return
    const limit = this.opts.budget.remaining - (f.hunks.length === 0 ? f.headerBytes : 0)
    if (h.raw + end - start > limit) {
      h.keep = false
      h.parts = []
      return
    }
    h.parts.push(Buffer.from(buf.subarray(start, end)))
    h.raw += end - start
  }

  private finishHunk(): void {
    const h = this.hunk
    const f = this.file
    this.hunk = undefined
    if (!h || !f) return
    if (h.keep) {
      const text = this.opts.sanitize(Buffer.concat(h.parts).toString('utf8'))
      const need = Buffer.byteLength(text) + (f.hunks.length === 0 ? f.headerBytes : 0)
      const numbers = parseHunkHeader(text)
      if (numbers && need <= this.opts.budget.remaining) {
        f.hunks.push({ text, ...numbers })
        this.opts.budget.remaining -= need
        return
      }
    }
    f.leftOut++
    if (f.hunks.length > 0) f.cut = true
    else this.file = undefined
  }

  private finishFile(): void {
    if (this.hunk) this.finishHunk()
    const f = this.file
    this.file = undefined
    if (f && f.hunks.length > 0) {
      this.files.push({
        key: f.key,
        oldKey: f.oldKey,
        header: f.header,
        hunks: f.hunks,
        leftOut: f.leftOut
      })
    }
  }
}

/** Renders kept files as a unified diff (header, then the kept hunks). */
export function renderFiles(files: SelectedFile[]): string {
  return files.map((f) => f.header + f.hunks.map((h) => h.text).join('')).join('')
}
