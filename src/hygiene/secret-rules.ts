/**
 * The secretlint rules added to the recommended preset, each where the v12 preset misses a kind
 * common in CI (see ./secrets.ts for the list and why). They are real secretlint rules, passed in
 * the same config as the preset's.
 */
import type { SecretLintRuleCreator } from '@secretlint/types'
import { scanKeyBodies } from './key-material.js'

const OWN = 'devin-handoff'

/** Labels of the extra rules by rule id, filled as the rules are defined. */
export const EXTRA_LABELS: Record<string, string> = {}

const PLACEHOLDER_WORDS = /example|your|here|dummy|placeholder|redacted|xxxx|\*\*\*/i

/** Machine-made secrets mix letters and digits in a long run; names and placeholders do not. */
function looksGenerated(value: string): boolean {
  return (
    /\d/.test(value) &&
    /[A-Za-z]/.test(value) &&
    /[A-Za-z0-9]{16}/.test(value) &&
    !PLACEHOLDER_WORDS.test(value)
  )
}

interface PatternRuleSpec {
  name: string
  label: string
  /** Needs the `g` and `d` flags; reports the `secret` group, else the whole match. */
  pattern: RegExp
  accept?: (secret: string, groups: Record<string, string | undefined>) => boolean
}

function defineRule(
  name: string,
  label: string,
  scan: (content: string, report: (start: number, end: number) => void) => void
): SecretLintRuleCreator {
  const id = `${OWN}/${name}`
  EXTRA_LABELS[id] = label
  const messages = { FOUND: { en: () => `found ${label}` } }
  return {
    messages,
    meta: { id, type: 'scanner', recommended: true, supportedContentTypes: ['text'] },
    create(context) {
      const t = context.createTranslator(messages)
      // The message carries no data: the value itself never leaves the rule.
      return {
        file(source) {
          scan(source.content, (start, end) =>
            context.report({ message: t('FOUND'), range: [start, end] })
          )
        }
      }
    }
  }
}

function patternRule(spec: PatternRuleSpec): SecretLintRuleCreator {
  return defineRule(spec.name, spec.label, (content, report) => {
    for (const m of content.matchAll(spec.pattern)) {
      const span = m.indices?.groups?.secret ?? m.indices?.[0]
      if (!span) continue
      const secret = content.slice(span[0], span[1])
      if (spec.accept && !spec.accept(secret, m.groups ?? {})) continue
      report(span[0], span[1])
    }
  })
}

function isBasicCredential(value: string): boolean {
  if (value.length < 8 || !/^[A-Za-z0-9+/]+=*$/.test(value)) return false
  return /^[^:\s]*:\S+$/.test(Buffer.from(value, 'base64').toString('latin1'))
}

function isUrlCredential(userinfo: string): boolean {
  const colon = userinfo.indexOf(':')
  const user = userinfo.slice(0, colon)
  const pass = userinfo.slice(colon + 1)
  if (pass.length < 4 || pass === user || /[${}]|^%\w+%$|^[A-Z_]+$/.test(pass)) return false
  return !/^(?:pass|pwd|secret|token|api_?key|key|changeme|user(?:name)?|x+|\*+|\.+)$|passw(?:or)?d/i.test(
    pass
  )
}

const BEGIN_KEY = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g
const END_KEY = /-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g
const KEY_SPAN_LIMIT = 64 * 1024
// Lines that may follow an unterminated header: base64, `Name: value` headers, blank lines.
const KEY_LINE = /^[ \t]*(?:[A-Za-z0-9+/=]+|[A-Za-z][A-Za-z-]*: .*)?[ \t\r]*$/

/**
 * "Is [from, to) key material, not code that sits between a BEGIN and an END constant?" in O(log n)
 * after one pass: a 40-char base64 run and >= 85% base64 among non-blank chars. Prefix counts
 * keep a text with thousands of headers linear.
 */
function keyBodyChecker(content: string): (from: number, to: number) => boolean {
  const base64 = new Int32Array(content.length + 1)
  const dense = new Int32Array(content.length + 1)
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i)
    const b64 =
      (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47
    base64[i + 1] = (base64[i] ?? 0) + (b64 || c === 61 ? 1 : 0)
    dense[i + 1] = (dense[i] ?? 0) + (c === 32 || c === 9 || c === 10 || c === 13 ? 0 : 1)
  }
  const runs = Array.from(content.matchAll(/[A-Za-z0-9+/]{40,}/g), (m) => m.index)
  return (from, to) => {
    let lo = 0
    let hi = runs.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((runs[mid] ?? 0) < from) lo = mid + 1
      else hi = mid
    }
    const run = runs[lo]
    if (run === undefined || run + 40 > to) return false
    const b = (base64[to] ?? 0) - (base64[from] ?? 0)
    return b >= 0.85 * ((dense[to] ?? 0) - (dense[from] ?? 0))
  }
}

/** End of an unterminated key: its header line plus the key-looking lines after it. */
function unterminatedKeyEnd(content: string, headerLineEnd: number): number {
  let end = headerLineEnd
  let lastContent = end
  const limit = Math.min(content.length, headerLineEnd + KEY_SPAN_LIMIT)
  while (end < limit) {
    const next = content.indexOf('\n', end + 1)
    const lineEnd = next === -1 ? content.length : next
    const line = content.slice(end + 1, lineEnd)
    if (!KEY_LINE.test(line)) break
    if (line.trim() !== '') lastContent = lineEnd
    end = lineEnd
  }
  return lastContent
}

// The whole block, BEGIN to END, is reported so redaction never leaves the body behind.
const privateKeyRule = defineRule('private-key', 'private key', (content, report) => {
  const headers = Array.from(content.matchAll(BEGIN_KEY))
  if (headers.length === 0) return
  const isKeyBody = keyBodyChecker(content)
  const ends = Array.from(content.matchAll(END_KEY), (m) => m.index + m[0].length)
  let next = 0
  // Headers sharing a line share its (cached) unterminated extent.
  let lineEnd = -1
  let lineKeyEnd = 0
  for (const m of headers) {
    const bodyStart = m.index + m[0].length
    while (next < ends.length && (ends[next] ?? 0) <= bodyStart) next++
    const close = ends[next]
    let end = close ?? 0
    if (close === undefined || close - bodyStart > KEY_SPAN_LIMIT) {
      if (lineEnd < bodyStart) {
        const nl = content.indexOf('\n', bodyStart)
        lineEnd = nl === -1 ? content.length : nl
        lineKeyEnd = unterminatedKeyEnd(content, lineEnd)
      }
      end = Math.min(lineKeyEnd, bodyStart + KEY_SPAN_LIMIT)
    }
    if (isKeyBody(bodyStart, end)) report(m.index, end)
  }
})

export const EXTRA_RULES: SecretLintRuleCreator[] = [
  patternRule({
    name: 'devin-key',
    label: 'Devin API key',
    pattern: /(?<![A-Za-z0-9_])(?:cog|apk_user|apk)_[A-Za-z0-9_-]{20,200}(?![A-Za-z0-9_-])/dg,
    accept: (secret) => looksGenerated(secret.replace(/^(?:cog|apk_user|apk)_/, ''))
  }),
  patternRule({
    name: 'authorization-header',
    label: 'Authorization header credential',
    pattern:
      /\bauthorization["']?\s*[:=]\s*["']?(?<scheme>bearer|token|basic)\s+(?<secret>[A-Za-z0-9._~+/-]{8,}=*)/dgi,
    accept: (secret, { scheme }) =>
      scheme?.toLowerCase() === 'basic'
        ? isBasicCredential(secret)
        : secret.length >= 16 && looksGenerated(secret)
  }),
  patternRule({
    name: 'aws-secret-access-key',
    label: 'AWS secret access key',
    pattern:
      /(?<![A-Za-z0-9])(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s*(?::|=>|=)\s*["']?(?<secret>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi,
    accept: (secret) => !secret.includes('EXAMPLE')
  }),
  patternRule({
    name: 'aws-session-token',
    label: 'AWS session token',
    pattern:
      /(?<![A-Za-z0-9])aws_?session_?token["']?\s*(?::|=>|=)\s*["']?(?<secret>[A-Za-z0-9/+=]{100,})/dgi
  }),
  patternRule({
    name: 'npmrc-auth',
    label: 'npm auth token',
    pattern:
      /(?<![A-Za-z0-9])_(?:authToken|auth|password)\s*=\s*["']?(?<secret>[A-Za-z0-9+/=._-]{8,})(?![^\s"'])/dg,
    accept: (secret) => /\d/.test(secret) && /[A-Za-z]/.test(secret)
  }),
  patternRule({
    name: 'url-credentials',
    label: 'URL credentials',
    pattern:
      /\b[a-z][a-z0-9+.-]{1,15}:\/\/(?<secret>[^\s:/?#@'"`<>]{0,128}:[^\s/?#@'"`<>]{1,256})@(?=[A-Za-z0-9[])/dgi,
    accept: isUrlCredential
  }),
  privateKeyRule,
  // Same label as the block rule: a key found both ways is one finding after the merge.
  defineRule('private-key-body', 'private key', scanKeyBodies)
]
