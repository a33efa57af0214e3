/**
 * Secret screening of the kept hunks, through the one screen in src/hygiene/secret-screen.ts, and
 * the refit to the byte budget that redaction placeholders may need.
 */
import { hunkLineNumbers, type HunkText } from './diff.js'
import { showPath } from './paths.js'
import { renderFiles, type SelectedFile } from './patch-select.js'
import { screenTexts, type Redaction, type ScreenPart } from '../hygiene/secret-screen.js'
import type { Ctx, FileState } from './pack-types.js'

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

/** Screens the kept hunks of every shown file, redacting in place (line by line) or refusing. */
export async function screen(ctx: Ctx, states: FileState[]): Promise<Redaction[]> {
  const shown = states.filter(
    (s): s is FileState & { shown: SelectedFile } => s.shown !== undefined
  )
  // The screen names each finding once, in order: so each redaction is put on its own file (an
  // increment reuses the uncommitted files, and counts only their redactions).
  const owners: FileState[] = []
  const parts: ScreenPart[] = shown.map((s) => {
    const numbers = s.shown.hunks.flatMap(hunkLineNumbers)
    const path = showPath(s.entry.key)
    const where = (line: number): string => `${path}:${numbers[line - 1] ?? line}`
    return {
      text: s.shown.hunks.map((h) => h.text).join(''),
      where: (line) => {
        owners.push(s)
        return where(line)
      },
      warning: (label, line) =>
        `Possible ${label} in the diff at ${where(line)}: redacted before sending`
    }
  })
  const { texts, redactions } = await screenTexts(parts, ctx.opts.secretScan, ctx.log, {
    lineWise: true
  })
  redactions.forEach((r, i) => {
    const owner = owners[i]
    if (owner) owner.redactions = [...(owner.redactions ?? []), r]
  })
  shown.forEach((s, i) => {
    const text = texts[i]
    if (text !== undefined && text !== parts[i]?.text) s.shown.hunks = regroup(s.shown.hunks, text)
  })
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
