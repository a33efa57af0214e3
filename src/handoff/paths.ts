/**
 * Paths as keys, git's C-style quoting, and which paths are never inlined (built-in secret, lock
 * and generated files, plus the user's `exclude-paths` globs).
 *
 * Paths are carried as *keys*: the raw bytes of the path as a latin1 string (one char per byte).
 * Git paths are bytes, not necessarily UTF-8; keys compare exactly, and `displayPath` decodes them
 * for people (invalid UTF-8 shows as U+FFFD).
 */
import { posix } from 'node:path'

/** Why a file is never inlined, whatever the budget. */
export type PathReason = 'excluded' | 'secret-file' | 'lock' | 'generated'

export const displayPath = (key: string): string => Buffer.from(key, 'latin1').toString('utf8')
export const keyOf = (path: string): string => Buffer.from(path, 'utf8').toString('latin1')

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

// ---------------------------------------------------------------------------------------------
// Which files are inlined

// Built-in globs, matched case-insensitively against every path segment (gitignore style).
// Env files hold `NAME=value` lines whose values no credential rule can tell from settings, so
// they go by name: dotenv's `.env`, `.env.local`, `.envrc` and Docker's `prod.env`,
// `web.env.local`, `compose.env.yml`, in any folder.
const words = (s: string): string[] => s.split(/\s+/).filter(Boolean)
const SECRET_FILES = words(`
  .env* *.env *.env.* *.pem *.key *.ppk id_rsa* id_dsa* id_ecdsa* id_ed25519* *.p12 *.pfx *.jks
  *.keystore *.kdbx *.ovpn .npmrc .pypirc .netrc _netrc .git-credentials .htpasswd .dockercfg
  credentials credentials*.json service-account*.json secrets.y*ml *.tfvars *.tfstate *.tfstate.*`)
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
