/**
 * Secret screening of the kept hunks (report, redact in place or fail) and the refit to the byte
 * budget that redaction placeholders may need.
 */
import { hunkLineNumbers, type HunkText } from './diff.js'
import { showPath } from './paths.js'
import { renderFiles, type SelectedFile } from './patch-select.js'
import { SecretsFoundError, type Ctx, type FileState, type Redaction } from './pack-types.js'

/**
 * Splits findings at line ends so redaction keeps every line (and its `+`/`-`/` ` prefix) in
 * place: a private key over 30 lines becomes 30 placeholder lines, and hunk headers stay true.
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

function regroup(hunks: HunkText[], text: string): HunkText[] {
  const lines = text.split('\n')
  let at = 0
  return hunks.map((h) => {
    const n = h.text.split('\n').length - 1
    const part = lines.slice(at, at + n)
    at += n
    return { ...h, text: `${part.join('\n')}\n` }
  })
}

export async function screen(ctx: Ctx, states: FileState[]): Promise<Redaction[]> {
  const mode = ctx.opts.secretScan
  const shown = states.filter(
    (s): s is FileState & { shown: SelectedFile } => s.shown !== undefined
  )
  if (mode === 'off' || shown.length === 0) return []
  const { findSecretsInMany, redactSecrets } = await import('../hygiene/secrets.js')
  const texts = shown.map((s) => s.shown.hunks.map((h) => h.text).join(''))
  const found = await findSecretsInMany(texts)
  const redactions: Redaction[] = []
  shown.forEach((s, i) => {
    const findings = found[i] ?? []
    if (findings.length === 0) return
    const numbers = s.shown.hunks.flatMap(hunkLineNumbers)
    const path = showPath(s.entry.key)
    for (const f of findings) {
      redactions.push({
        where: `${path}:${numbers[f.line - 1] ?? f.line}`,
        label: f.label,
        ruleId: f.ruleId
      })
    }
    if (mode === 'redact') {
      s.shown.hunks = regroup(
        s.shown.hunks,
        redactSecrets(texts[i] ?? '', perLine(texts[i] ?? '', findings))
      )
    }
  })
  if (redactions.length > 0 && mode === 'fail') throw new SecretsFoundError(redactions)
  for (const r of redactions)
    ctx.log.warning(`Possible ${r.label} in the diff at ${r.where}: redacted before sending`)
  return redactions
}

/** Placeholders can be longer than what they replace: drop hunks from the end until it fits. */
export function refit(states: FileState[], max: number): void {
  const bytes = (f: SelectedFile): number => Buffer.byteLength(renderFiles([f]))
  let total = states.reduce((n, s) => n + (s.shown ? bytes(s.shown) : 0), 0)
  for (let i = states.length - 1; i >= 0 && total > max; i--) {
    const s = states[i]
    if (!s?.shown) continue
    total -= bytes(s.shown)
    while (s.shown.hunks.length > 0 && bytes(s.shown) + total > max) {
      s.shown.hunks.pop()
      s.shown.leftOut++
    }
    if (s.shown.hunks.length === 0) {
      s.shown = undefined
      s.reason = 'budget'
    } else {
      total += bytes(s.shown)
    }
  }
}
