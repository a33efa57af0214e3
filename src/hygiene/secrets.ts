/**
 * Credential detection and redaction for everything the action sends to Devin.
 *
 * Detection is secretlint's recommended preset plus a few extra rules. The extras are real
 * secretlint rules (same `SecretLintRuleCreator` interface, passed in the same config), added only
 * where the v12 preset misses kinds common in CI (checked against realistic samples):
 * - Devin keys (`cog_…`, `apk_…`, `apk_user_…`) and `Authorization: Bearer|token|Basic …` headers;
 * - private keys the preset's validator rejects or whose END line is missing: EC P-256 and ed25519
 *   keys (too short / not `MI…`), encrypted PKCS#8 and legacy `Proc-Type` keys, PGP blocks,
 *   blocks cut off by the diff budget, and bodies whose BEGIN line is outside the hunk
 *   (./key-material.ts);
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
import { EXTRA_LABELS, EXTRA_RULES } from './secret-rules.js'

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
    import('@secretlint/secretlint-rule-preset-recommend'),
    import('@secretlint/profiler')
  ]).then(
    ([core, preset, { secretLintProfiler }]) => {
      // On by default, it keeps every performance mark of every scan and searches them all at
      // each rule's end: a run that scans again and again (Devin's messages, a sync's tags) slows
      // and grows with each scan (secretlint issue #1633). Nobody reads its figures here.
      secretLintProfiler.setEnabled(false)
      return { lintSource: core.lintSource, config: buildConfig(preset.rules) }
    },
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
