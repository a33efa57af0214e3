/**
 * Credential detection and redaction for everything the action sends to Devin.
 *
 * Detection is secretlint's recommended preset plus a few extra rules. The extras are real
 * secretlint rules (same `SecretLintRuleCreator` interface, passed in the same config), added only
 * where the v12 preset misses kinds common in CI (checked against realistic samples):
 * - Devin keys (`cog_…`, `apk_…`, `apk_user_…`) and `Authorization: Bearer|token|Basic …` headers;
 * - private keys the preset's validator rejects or whose END line is missing: EC P-256 and ed25519
 *   keys (too short / not `MI…`), encrypted PKCS#8 and legacy `Proc-Type` keys, PGP blocks,
 *   blocks cut off by the diff budget;
 * - AWS secret keys ending in `/`, `+` or `=` (the preset's trailing `\b` misses them), AWS session
 *   tokens, `.npmrc` `_authToken=` (the preset checks it only in files named `.npmrc`) and URL
 *   credentials outside the preset's narrow `[-\w]` password charset.
 * GCP service-account JSON is covered by the preset's private-key rule (its GCP rule only
 * inspects whole `.json` files, which a prompt never is).
 *
 * secretlint is imported lazily: start-up time is budgeted and `secret-scan: off` never pays for it.
 */
import type {
  SecretLintCoreConfig,
  SecretLintCoreConfigRule,
  SecretLintCoreResultMessage,
  SecretLintRuleCreator
} from '@secretlint/types'

export interface SecretFinding {
  /** Offset in the scanned text (UTF-16 index, as JS strings). */
  start: number
  /** Exclusive. */
  end: number
  /** 1-based line of `start` within the scanned text (lines end at `\n`). */
  line: number
  ruleId: string
  /** Short human kind, e.g. 'GitHub token'. */
  label: string
}

const OWN = 'devin-handoff'
const PRESET_RULE = '@secretlint/secretlint-rule-'
// Only the extension matters: it keeps the preset's file-name-specific checks (package.json,
// .npmrc, GCP .json/.p12) from running on mixed prompt text.
const SCAN_PATH = 'devin-handoff-prompt.txt'

const PRESET_LABELS: Record<string, string> = {
  aws: 'AWS credential',
  gcp: 'GCP service account key',
  privatekey: 'private key',
  npm: 'npm token',
  basicauth: 'URL credentials',
  slack: 'Slack token',
  sendgrid: 'SendGrid API key',
  shopify: 'Shopify token',
  github: 'GitHub token',
  gitlab: 'GitLab token',
  grafana: 'Grafana token',
  openai: 'OpenAI API key',
  anthropic: 'Anthropic API key',
  groq: 'Groq API key',
  huggingface: 'Hugging Face token',
  linear: 'Linear API key',
  notion: 'Notion token',
  '1password': '1Password token',
  'database-connection-string': 'database connection string',
  'hashicorp-vault': 'HashiCorp Vault token',
  vercel: 'Vercel token',
  databricks: 'Databricks token',
  docker: 'Docker token',
  figma: 'Figma token'
}
const MESSAGE_LABELS: Record<string, string> = {
  AWSAccessKeyID: 'AWS access key ID',
  AWSSecretAccessKey: 'AWS secret access key',
  IncomingWebhook: 'Slack webhook URL',
  PackageJSON_xOauthToken: 'GitHub token',
  Npmrc_authToken: 'npm auth token'
}
const EXTRA_LABELS: Record<string, string> = {}

// ---------------------------------------------------------------------------------------------
// Extra rules

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

const EXTRA_RULES: SecretLintRuleCreator[] = [
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
  privateKeyRule
]

// `postgres:postgres@…` (throwaway CI service defaults) and `USER:TOKEN@…` (doc placeholders).
const URL_NON_SECRETS = [
  String.raw`/^[a-z+]+:\/\/([^:/\s]+):\1@/i`,
  String.raw`/^[a-z+]+:\/\/[A-Z_]*:[A-Z_]+@/`
]
const PRESET_TUNING: Record<string, Omit<SecretLintCoreConfigRule, 'id' | 'rule'>> = {
  // Access key ids are half a credential; account ids are not secrets.
  [`${PRESET_RULE}aws`]: { options: { enableIDScanRule: true }, allowMessageIds: ['AWSAccountID'] },
  [`${PRESET_RULE}database-connection-string`]: { options: { allows: URL_NON_SECRETS } },
  [`${PRESET_RULE}basicauth`]: { options: { allows: URL_NON_SECRETS } }
}

/**
 * The preset's rules are registered one by one rather than through the preset: core v12 ignores
 * `disabled` on a preset's sub-rules, and filter-comments must go, because the PR author writes
 * the diff and a `secretlint-disable` comment in it must not switch redaction off.
 */
function buildConfig(presetRules: readonly SecretLintRuleCreator[]): SecretLintCoreConfig {
  const rules = presetRules
    .filter((rule) => rule.meta.id !== `${PRESET_RULE}filter-comments`)
    .concat(EXTRA_RULES)
  return {
    rules: rules.map((rule) => ({ id: rule.meta.id, rule, ...PRESET_TUNING[rule.meta.id] }))
  }
}

// ---------------------------------------------------------------------------------------------
// Engine

type LintSource = (typeof import('@secretlint/core'))['lintSource']
interface Engine {
  lintSource: LintSource
  config: SecretLintCoreConfig
}
let engine: Promise<Engine> | undefined

function loadEngine(): Promise<Engine> {
  engine ??= Promise.all([
    import('@secretlint/core'),
    import('@secretlint/secretlint-rule-preset-recommend')
  ]).then(
    ([core, preset]) => ({ lintSource: core.lintSource, config: buildConfig(preset.rules) }),
    (error: unknown) => {
      engine = undefined
      throw error
    }
  )
  return engine
}

/**
 * Same-length copy the rules see: a line's leading `+`/`-` (but not the first dash of a
 * `-----BEGIN`/`-----END` line) becomes a space, so the preset's PEM rule also matches inside diff
 * hunks; a leading BOM too, as secretlint would strip it and shift every offset by one.
 */
function neutralize(text: string): string {
  const out = text.replace(/^(?:\+|-(?!----[^-]))/gm, ' ')
  return out.charCodeAt(0) === 0xfeff ? ` ${out.slice(1)}` : out
}

function labelFor(ruleId: string, messageId: string): string {
  const short = ruleId.startsWith(PRESET_RULE) ? ruleId.slice(PRESET_RULE.length) : ''
  return EXTRA_LABELS[ruleId] ?? MESSAGE_LABELS[messageId] ?? PRESET_LABELS[short] ?? 'credential'
}

/**
 * Some preset rules report `[matchStart, matchStart + secret.length]` although the secret sits
 * later in the match (AWS secret key, `.npmrc`, x-oauth URLs). The value is in the message data,
 * so re-anchor on it; the data is used only here and then dropped.
 */
function refineRange(scan: string, message: SecretLintCoreResultMessage): [number, number] {
  const [start, end] = message.range
  const data: Record<string, unknown> = message.data ?? {}
  const values = Object.values(data)
    .filter((v): v is string => typeof v === 'string' && v.length >= 8)
    .sort((a, b) => b.length - a.length)
  for (const value of values) {
    const at = scan.substring(start, end + value.length).indexOf(value)
    if (at !== -1 && start + at < end) return [start + at, Math.max(end, start + at + value.length)]
  }
  return [start, end]
}

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((starts[mid] ?? 0) <= offset) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}

/** Sorted by start; overlapping ranges become one finding carrying every distinct label. */
function mergeFindings(findings: SecretFinding[]): SecretFinding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: SecretFinding[] = []
  for (const f of sorted) {
    const last = merged[merged.length - 1]
    if (last && f.start < last.end) {
      last.end = Math.max(last.end, f.end)
      if (!last.label.split(', ').includes(f.label)) last.label = `${last.label}, ${f.label}`
    } else {
      merged.push({ ...f })
    }
  }
  return merged
}

async function scanOne(eng: Engine, text: string): Promise<SecretFinding[]> {
  if (text.length === 0) return []
  const scan = neutralize(text)
  const result = await eng.lintSource({
    source: { content: scan, filePath: SCAN_PATH, ext: '.txt', contentType: 'text' },
    options: { config: eng.config, locale: 'en', noPhysicFilePath: true }
  })
  if (result.messages.length === 0) return []
  const starts = lineStarts(text)
  const findings = result.messages.map((message) => {
    const [start, end] = refineRange(scan, message)
    const label = labelFor(message.ruleId, message.messageId)
    return { start, end, line: lineOf(starts, start), ruleId: message.ruleId, label }
  })
  return mergeFindings(findings.filter((f) => f.end > f.start))
}

/** Scan one piece of text. Never returns or logs the secret values themselves. */
export async function findSecrets(text: string): Promise<SecretFinding[]> {
  return scanOne(await loadEngine(), text)
}

/** Scan many pieces in one go (one secretlint setup), same order as input. */
export async function findSecretsInMany(texts: string[]): Promise<SecretFinding[][]> {
  const eng = await loadEngine()
  const results: SecretFinding[][] = []
  for (const text of texts) results.push(await scanOne(eng, text))
  return results
}

/** Replace each finding with a placeholder like `[REDACTED: GitHub token]`; overlapping findings merged. */
export function redactSecrets(text: string, findings: SecretFinding[]): string {
  const usable = findings
    .map((f) => ({ ...f, start: Math.max(0, f.start), end: Math.min(text.length, f.end) }))
    .filter((f) => f.end > f.start)
  let out = ''
  let at = 0
  for (const f of mergeFindings(usable)) {
    out += `${text.slice(at, f.start)}[REDACTED: ${f.label}]`
    at = f.end
  }
  return out + text.slice(at)
}
