/**
 * The one secret screen: every text bound for Devin (the diff's hunks, the task, the PR text)
 * goes through `screenTexts`, which finds credentials with secretlint (src/hygiene/secrets.ts),
 * then redacts them in place, refuses the run, or only reports, as `secret-scan` says.
 */
import type { Log } from './log.js'

export type SecretScan = 'redact' | 'fail' | 'off'

export interface Redaction {
  /** `path:line` (new-file line; `path:-N` for a removed line) or a text's name and line. */
  where: string
  label: string
  ruleId: string
}

/** Thrown with `secret-scan: fail` when anything bound for Devin looks like a credential. */
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

export interface ScreenPart {
  text: string
  /** Where line `n` (1-based, of `text`) is, for the redaction record, e.g. `PR body:3`. */
  where: (line: number) => string
  /** The warning for one finding, e.g. `Possible GitHub token in the PR body (line 3)`. */
  warning: (label: string, line: number) => string
}

/**
 * Splits findings at line ends so redaction keeps every line (and a diff's `+`/`-`/` ` prefix)
 * in place: a private key over 30 lines becomes 30 placeholder lines, and hunk headers stay true.
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

/**
 * Scans the parts in one secretlint pass. `redact` returns them redacted and warns once per
 * finding; `fail` throws `SecretsFoundError` naming every place; `off` returns them unchanged.
 * `lineWise` keeps line structure (for diff hunks, whose line prefixes must survive).
 */
export async function screenTexts(
  parts: ScreenPart[],
  mode: SecretScan,
  log: Pick<Log, 'warning'>,
  opts: { lineWise?: boolean } = {}
): Promise<{ texts: string[]; redactions: Redaction[] }> {
  if (mode === 'off' || parts.every((p) => p.text === '')) {
    return { texts: parts.map((p) => p.text), redactions: [] }
  }
  const { findSecretsInMany, redactSecrets } = await import('./secrets.js')
  const found = await findSecretsInMany(parts.map((p) => p.text))
  const redactions: Redaction[] = []
  const warnings: string[] = []
  const texts = parts.map((p, i) => {
    const findings = found[i] ?? []
    for (const f of findings) {
      redactions.push({ where: p.where(f.line), label: f.label, ruleId: f.ruleId })
      warnings.push(p.warning(f.label, f.line))
    }
    if (findings.length === 0) return p.text
    return redactSecrets(p.text, opts.lineWise ? perLine(p.text, findings) : findings)
  })
  if (redactions.length > 0 && mode === 'fail') throw new SecretsFoundError(redactions)
  for (const w of warnings) log.warning(w)
  return { texts, redactions }
}
