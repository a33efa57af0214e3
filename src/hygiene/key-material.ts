/**
 * Private key material whose BEGIN line is not in the text: a diff hunk shows three lines of
 * context, so a change inside a key (or the budget) can leave only its body and END line. A body
 * is recognised by what only private keys carry, never by "looks like base64":
 * - an END line of a private key, with the base64 lines above it;
 * - a DER private key at the start of a base64 run (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8,
 *   PKCS#12), checked by decoding its first bytes: certificates, public keys and CSRs start
 *   differently;
 * - the OpenSSH magic `openssh-key-v1` (`b3BlbnNzaC1rZXktdjE`);
 * - the `Proc-Type:`/`DEK-Info:` headers of a legacy encrypted key;
 * - a whole PEM key encoded once more as base64 (Kubernetes secrets: `LS0tLS1CRUdJTi…`);
 * - with none of these in sight (a change in the middle of a key): three or more lines of exactly
 *   64 (PEM) or 70 (OpenSSH) base64 characters, the shape of a key body. A certificate or public
 *   key whose BEGIN or END line is next to the run is left alone; one with neither in sight looks
 *   the same and is redacted too, the price of not sending the middle of a key. Hex lines (digest
 *   lists) and other widths (MIME and `base64` wrap at 76) are not this shape.
 * Each reports the key from its first line of material to its last (and its END line), so the
 * redaction leaves no part of the body behind.
 */

/** The longest body followed from one marker; no key is longer (RSA 16384 is ~12 KB of PEM). */
const SPAN_LIMIT = 64 * 1024
/** Wider lines are one-line keys (an env var, a YAML value): nothing on the next line is theirs. */
const MAX_WRAP = 76
/** Fewer base64 characters than this above an END line are not worth a finding. */
const MIN_BODY_CHARS = 16

const B64 = /^[A-Za-z0-9+/]+={0,2}$/
const PGP_CHECKSUM = /^=[A-Za-z0-9+/]{4}$/
const PEM_HEADER = /^(?:Proc-Type|DEK-Info|Comment|Version|Hash|Charset): /
const END_LINE = /^[\s"'`]*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/
const LEGACY_HEADER = /^[\t ]*(?:Proc-Type: 4,ENCRYPTED|DEK-Info: [A-Z0-9-]+,[0-9A-Fa-f]{16,})/gm
const OPENSSH_MAGIC = 'b3BlbnNzaC1rZXktdjE'
const PEM_IN_BASE64 = 'LS0tLS1CRUdJTi'
// A marker only counts at the start of a base64 run: inside other data it is chance.
const MARKER = /(?<![A-Za-z0-9+/])(?:M[A-Za-z0-9+/]{39}|b3BlbnNzaC1rZXktdjE|LS0tLS1CRUdJTi)/g
const TOKEN = /[A-Za-z0-9+/]*={0,2}/y

interface Line {
  start: number
  /** Exclusive, before the `\n`. */
  end: number
  text: string
}

/** Lines by offset. Callers move forward through the text, so the last line found is reused. */
class Lines {
  readonly content: string
  #last: Line | undefined
  constructor(content: string) {
    this.content = content
  }

  at(offset: number): Line {
    const last = this.#last
    if (last && offset >= last.start && offset <= last.end) return last
    const start = this.content.lastIndexOf('\n', offset - 1) + 1
    const nl = this.content.indexOf('\n', offset)
    const end = nl === -1 ? this.content.length : nl
    this.#last = { start, end, text: this.content.slice(start, end) }
    return this.#last
  }

  next(line: Line): Line | undefined {
    return line.end < this.content.length ? this.at(line.end + 1) : undefined
  }

  previous(line: Line): Line | undefined {
    return line.start > 0 ? this.at(line.start - 1) : undefined
  }
}

/** Where a line's text begins after its indentation, so the placeholder keeps the indent. */
const textStart = (line: Line): number =>
  line.start + line.text.length - line.text.trimStart().length

/** The first `bytes` bytes of a base64 token (whole quads only). */
function decodeHead(token: string, bytes: number): Buffer {
  const chars = Math.floor(Math.min(token.length, Math.ceil(bytes / 3) * 4) / 4) * 4
  return Buffer.from(token.slice(0, chars), 'base64')
}

/** Offset of the content of the DER element at `at`, or -1 when its length cannot be one. */
function contentStart(der: Buffer, at: number): number {
  const len = der[at + 1]
  if (len === undefined) return -1
  if (len < 0x80) return at + 2
  const n = len & 0x7f
  return n >= 1 && n <= 3 ? at + 2 + n : -1
}

const oid = (...bytes: number[]): Buffer => Buffer.from([0x06, ...bytes])
const RSADSI = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01]
const PKCS5 = oid(0x09, ...RSADSI, 0x05)
const PKCS12_PBE = oid(0x0a, ...RSADSI, 0x0c)
const PKCS7 = oid(0x09, ...RSADSI, 0x07)
const startsWith = (der: Buffer, at: number, prefix: Buffer): boolean =>
  at >= 0 && der.subarray(at, at + prefix.length).equals(prefix)

/**
 * Does `der` open like a private key? `SEQUENCE { INTEGER 0|1, INTEGER|SEQUENCE|OCTET STRING }`
 * is PKCS#1, SEC1 and PKCS#8 (certificates and CSRs open with a SEQUENCE in the SEQUENCE, public
 * keys with a SEQUENCE or a long INTEGER); `SEQUENCE { SEQUENCE { PBE OID } }` is encrypted
 * PKCS#8; `SEQUENCE { INTEGER 3, SEQUENCE { pkcs7 OID } }` is a PKCS#12 bundle.
 */
export function isPrivateKeyDer(der: Buffer): boolean {
  if (der[0] !== 0x30) return false
  const first = contentStart(der, 0)
  if (first < 0) return false
  if (der[first] === 0x02 && der[first + 1] === 0x01) {
    const version = der[first + 2]
    const next = der[first + 3]
    if (version === 0 || version === 1) return next === 0x02 || next === 0x30 || next === 0x04
    return version === 3 && next === 0x30 && startsWith(der, contentStart(der, first + 3), PKCS7)
  }
  if (der[first] !== 0x30) return false
  const inner = contentStart(der, first)
  return startsWith(der, inner, PKCS5) || startsWith(der, inner, PKCS12_PBE)
}

/** Is the marker `m` at `at` the start of private key material? */
function startsKey(content: string, at: number, m: string): boolean {
  if (m === OPENSSH_MAGIC) return true
  const token = /^[A-Za-z0-9+/]*/.exec(content.slice(at, at + 96))?.[0] ?? ''
  if (m === PEM_IN_BASE64)
    return /^-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY/.test(decodeHead(token, 48).toString('latin1'))
  return isPrivateKeyDer(decodeHead(token, 24))
}

/**
 * End of the body whose material starts on `first` at `from`: the base64 lines after it of the
 * same width (the last may be shorter), then an END line. A token with more on its line, or wider
 * than a PEM line, is a one-line key and ends with itself. With `headers` (a legacy encrypted
 * key's header line), PEM headers and blank lines may come before the first base64 line.
 */
function bodyEnd(lines: Lines, first: Line, from: number, headers = false): number {
  let width = 0
  let end = first.end
  if (!headers) {
    TOKEN.lastIndex = from
    end = from + (TOKEN.exec(lines.content)?.[0].length ?? 0)
    width = end - from
    if (width > MAX_WRAP || !blankUntil(lines.content, end, first.end)) return end
  }
  for (let line = lines.next(first); line && line.end - from <= SPAN_LIMIT;) {
    const text = line.text.trim()
    if (width === 0 && (PEM_HEADER.test(text) || text === '')) {
      end = line.end
    } else if (B64.test(text) && text.length <= (width || MAX_WRAP)) {
      end = line.end
      if (width === 0) width = text.length
      else if (text.length < width) return endLineAfter(lines, line) ?? end // the short last line
    } else {
      return END_LINE.test(line.text) ? line.end : end
    }
    line = lines.next(line)
  }
  return end
}

/** Only blanks in `[from, to)`; stops at the first other character, so a long line costs nothing. */
function blankUntil(content: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = content[i]
    if (c !== ' ' && c !== '\t' && c !== '\r') return false
  }
  return true
}

const endLineAfter = (lines: Lines, line: Line): number | undefined => {
  const after = lines.next(line)
  return after && END_LINE.test(after.text) ? after.end : undefined
}

/**
 * Start of the body above an END line, or -1 when too little is there. Upwards: a PGP checksum,
 * the body's last line, full lines of one width (at least as wide as the last), then PEM headers
 * and blank lines.
 */
function bodyStartAbove(lines: Lines, endLine: Line): number {
  let start = -1
  let chars = 0
  let last: number | undefined
  let width: number | undefined
  let inHeaders = false
  for (let line = lines.previous(endLine); line && endLine.start - line.start <= SPAN_LIMIT;) {
    const text = line.text.trim()
    const n = text.length
    if (!inHeaders && start === -1 && PGP_CHECKSUM.test(text)) {
      start = textStart(line)
    } else if (
      !inHeaders &&
      B64.test(text) &&
      (width === undefined ? n >= (last ?? 0) : n === width)
    ) {
      if (last === undefined) last = n
      else width ??= n
      chars += n
      start = textStart(line)
    } else if (start !== -1 && (text === '' || PEM_HEADER.test(text))) {
      inHeaders = true
    } else {
      break
    }
    line = lines.previous(line)
  }
  return chars >= MIN_BODY_CHARS ? start : -1
}

/** The widths PEM (64) and OpenSSH (70) wrap a key body at. */
const BODY_WIDTHS = new Set([64, 70])
const MIN_RUN_LINES = 3
const FULL_LINE = /^[A-Za-z0-9+/]+$/
const HEX = /^[0-9A-Fa-f]+$/
const OTHER_ARMOUR = /^[\s"'`]*-----(?:BEGIN|END) (?!(?:[A-Z0-9]+ )*PRIVATE KEY)[A-Z0-9 ]+-----/

interface Run {
  first: Line
  last: Line
  width: number
  lines: number
  allHex: boolean
  /** The line before the run: a certificate's BEGIN line there says what the run is. */
  before?: Line
}

/** Reports each run of full-width body lines that is not visibly a certificate or public key. */
function scanWrappedRuns(content: string, report: (start: number, end: number) => void): void {
  const lines = new Lines(content)
  let run: Run | undefined
  let previous: Line | undefined
  const close = (): void => {
    if (run && run.lines >= MIN_RUN_LINES && !run.allHex) {
      const end = wrappedRunEnd(lines, run)
      if (end !== -1) report(textStart(run.first), end)
    }
    run = undefined
  }
  for (let line: Line | undefined = lines.at(0); line; line = lines.next(line)) {
    const text = line.text.trim()
    const full = BODY_WIDTHS.has(text.length) && FULL_LINE.test(text)
    if (full && run?.width === text.length) {
      run.last = line
      run.lines++
      run.allHex &&= HEX.test(text)
    } else {
      close()
      if (full) {
        const before = previous
        run = {
          first: line,
          last: line,
          width: text.length,
          lines: 1,
          allHex: HEX.test(text),
          before
        }
      }
    }
    previous = line
  }
  close()
}

/** End of a run with its short last line and END line, or -1 when armour shows it is no key. */
function wrappedRunEnd(lines: Lines, run: Run): number {
  if (run.before && OTHER_ARMOUR.test(run.before.text)) return -1
  let end = run.last.end
  let next = lines.next(run.last)
  const text = next?.text.trim() ?? ''
  if (next && B64.test(text) && text.length < run.width) {
    end = next.end
    next = lines.next(next)
  }
  if (next && OTHER_ARMOUR.test(next.text)) return -1
  return next && END_LINE.test(next.text) ? next.end : end
}

/** Is the `-----END ` at `at` the first thing on its line (after blanks and quotes)? */
function atLineStart(content: string, at: number): boolean {
  for (let i = at - 1; i >= 0; i--) {
    const c = content[i]
    if (c === '\n') return true
    if (c !== ' ' && c !== '\t' && c !== '"' && c !== "'" && c !== '`') return false
  }
  return true
}

/**
 * Reports `[start, end)` of every private key body in `content` that has no BEGIN line with it
 * (a body that has one is reported again; the finder merges overlaps). Linear in the text: a
 * marker inside a span already reported is skipped, and every walk stops at the first line that
 * is not key material.
 */
export function scanKeyBodies(content: string, report: (start: number, end: number) => void): void {
  const lines = new Lines(content)
  scanWrappedRuns(content, report)
  let covered = -1
  for (const m of content.matchAll(MARKER)) {
    if (m.index < covered || !startsKey(content, m.index, m[0])) continue
    covered = bodyEnd(lines, lines.at(m.index), m.index)
    report(m.index, covered)
  }
  covered = -1
  for (const m of content.matchAll(LEGACY_HEADER)) {
    if (m.index < covered) continue
    const line = lines.at(m.index)
    covered = bodyEnd(lines, line, line.start, true)
    report(textStart(line), covered)
  }
  const ends: number[] = []
  for (let at = content.indexOf('-----END '); at !== -1; at = content.indexOf('-----END ', at + 9))
    if (atLineStart(content, at)) ends.push(at)
  for (const at of ends) {
    const line = lines.at(at)
    if (!END_LINE.test(line.text)) continue
    const start = bodyStartAbove(lines, line)
    if (start !== -1) report(start, line.end)
  }
}
