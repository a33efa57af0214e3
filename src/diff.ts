/**
 * Pure diff logic: the file list from `git diff --raw -z`, path quoting, which files are
 * inlined at all, and the streaming hunk selector that fills the byte budget.
 *
 * Paths are carried as *keys*: the raw bytes of the path as a latin1 string (one char per byte).
 * Git paths are bytes, not necessarily UTF-8; keys compare exactly, and `displayPath` decodes them
 * for people (invalid UTF-8 shows as U+FFFD).
 */
import { posix } from 'node:path'

export type FileStatus =
  'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed' | 'unknown'
export type Section = 'commits' | 'uncommitted'
export type OmissionReason =
  'budget' | 'excluded' | 'secret-file' | 'lock' | 'generated' | 'binary' | 'no-patch'
/** Why a file is never inlined, whatever the budget. */
export type PathReason = 'excluded' | 'secret-file' | 'lock' | 'generated'

export interface ListEntry {
  key: string
  oldKey?: string
  status: FileStatus
  additions: number
  deletions: number
  binary: boolean
}

export const displayPath = (key: string): string => Buffer.from(key, 'latin1').toString('utf8')
export const keyOf = (path: string): string => Buffer.from(path, 'utf8').toString('latin1')

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
// Path quoting (git's C style; with core.quotepath=false only controls, `"` and `\` are quoted)

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r'
}

/** Reads a C-quoted name starting at `s[at] === '"'`; returns the bytes (latin1) and the end. */
export function unquoteC(s: string, at = 0): { value: string; end: number } | undefined {
  if (s[at] !== '"') return undefined
  let value = ''
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]
    if (c === '"') return { value, end: i + 1 }
    if (c !== '\\') {
      value += c
      continue
    }
    const n = s[++i] ?? ''
    if (/[0-7]/.test(n)) {
      value += String.fromCharCode(parseInt(s.slice(i, i + 3), 8) & 0xff)
      i += 2
    } else {
      value += ESCAPES[n] ?? n
    }
  }
  return undefined
}

// Git quotes names holding controls, `"` or `\`; matching controls is the point here.
// eslint-disable-next-line no-control-regex
const QUOTED = /[\x00-\x1f\x7f"\\]/g
const QUOTE_MAP: Record<string, string> = {
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '"': '"',
  '\\': '\\'
}

/** Quotes a key the way git does when it must (result is still latin1). */
export function quoteC(key: string): string {
  QUOTED.lastIndex = 0
  if (!QUOTED.test(key)) return key
  return `"${key.replace(QUOTED, (c) => `\\${QUOTE_MAP[c] ?? c.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`
}

/** A path for people: UTF-8, C-quoted when it holds controls or quotes (newline, tab…). */
export const showPath = (key: string): string => displayPath(quoteC(key))

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
// Which files are inlined

// Built-in globs, matched case-insensitively against every path segment (gitignore style).
const words = (s: string): string[] => s.split(/\s+/).filter(Boolean)
const SECRET_FILES = words(`
  .env* *.pem *.key id_rsa* id_dsa* id_ecdsa* id_ed25519* *.p12 *.pfx *.jks *.keystore *.kdbx
  *.ovpn .npmrc .pypirc .netrc _netrc .git-credentials .htpasswd .dockercfg credentials
  credentials*.json service-account*.json secrets.y*ml *.tfvars *.tfstate *.tfstate.*`)
const LOCK_FILES = words(`
  package-lock.json npm-shrinkwrap.json yarn.lock pnpm-lock.yaml bun.lock bun.lockb deno.lock
  Cargo.lock poetry.lock Pipfile.lock uv.lock pdm.lock go.sum Gemfile.lock composer.lock mix.lock
  Podfile.lock Package.resolved packages.lock.json pubspec.lock flake.lock gradle.lockfile conan.lock`)
// Generated or vendored: build output and minified/compiled artifacts (no .gitattributes lookup).
const GENERATED_FILES = words(`
  *.min.js *.min.mjs *.min.cjs *.min.css *.map *.pb.go *_pb2.py *_pb2_grpc.py *.generated.*`)
const GENERATED_DIRS = new Set(['dist', 'vendor', 'node_modules', '__generated__'])
const anyOf = (globs: string[]): string => `{${globs.map((g) => g.toLowerCase()).join(',')}}`
const SECRET_GLOB = anyOf(SECRET_FILES)
const LOCK_SET = new Set(LOCK_FILES.map((f) => f.toLowerCase()))
const GENERATED_GLOB = anyOf(GENERATED_FILES)

// `path.matchesGlob` never lets `*`/`**` match a leading dot (`.github/x.pem` vs `**/*.pem`). A
// second try with every segment-leading dot swapped for a private-use character gives
// gitignore-like results without a hand-written matcher.
const DOT = '\uE000'
const undot = (s: string): string => s.replace(/(^|\/)\./g, `$1${DOT}`)
export function globMatch(subject: string, glob: string): boolean {
  return posix.matchesGlob(subject, glob) || posix.matchesGlob(undot(subject), undot(glob))
}

/**
 * gitignore-style matching of one user glob: without a `/` it matches any segment (a file or a
 * directory at any depth); with one (leading or inside) it matches from the root, and also every path under a
 * matching directory. A trailing `/` means "this directory". No negation.
 */
export function matchUserGlob(path: string, glob: string): boolean {
  let g = glob.trim()
  if (g === '' || g.startsWith('#')) return false
  const dirOnly = g.endsWith('/')
  // A slash at the start or in the middle anchors the glob at the root (as in .gitignore).
  const anchored = g.replace(/\/+$/, '').includes('/')
  g = g.replace(/^\/+|\/+$/g, '')
  if (g === '') return false
  const segments = path.split('/')
  if (!anchored) {
    const last = dirOnly ? segments.length - 1 : segments.length
    return segments.slice(0, last).some((s) => globMatch(s, g))
  }
  for (let n = dirOnly ? segments.length - 1 : segments.length; n > 0; n--) {
    if (globMatch(segments.slice(0, n).join('/'), g)) return true
  }
  return false
}

/** Why a path is never inlined (secret file wins over user exclude over lock over generated). */
export function classifyPath(path: string, userGlobs: string[]): PathReason | undefined {
  const lower = path.toLowerCase()
  const segments = lower.split('/')
  const base = segments[segments.length - 1] ?? ''
  if (segments.some((s) => globMatch(s, SECRET_GLOB)) || lower.endsWith('.docker/config.json')) {
    return 'secret-file'
  }
  if (userGlobs.some((g) => matchUserGlob(path, g))) return 'excluded'
  if (LOCK_SET.has(base)) return 'lock'
  if (segments.slice(0, -1).some((s) => GENERATED_DIRS.has(s)) || globMatch(base, GENERATED_GLOB)) {
    return 'generated'
  }
  return undefined
}

/** Splits the `exclude-paths` input (newlines or commas) into globs. */
export function parseGlobList(input: string | string[]): string[] {
  const parts = Array.isArray(input) ? input : [input]
  return parts
    .flatMap((p) => p.split(/[\n,]/))
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith('#'))
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
// Streaming selection

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

/** What the patch says about one file block, whether or not anything of it was kept. */
export interface BlockStats {
  /** Undefined only if the header could not be read (then matched by position). */
  key?: string
  additions: number
  deletions: number
  binary: boolean
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
