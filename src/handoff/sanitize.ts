/**
 * Untrusted text (PR title and body, comment text, file names, the diff) on its way into the
 * prompt. Two jobs: make invisible characters harmless, and fence the text so it cannot pose as
 * the action's own instructions.
 *
 * Normalization differs by kind of text, on purpose:
 * - prose (`'prose'`): NFKC, then invisible characters are removed. NFKC folds look-alikes
 *   (full-width letters, ligatures, small/full-width `<`) so the text reads as what it means, and
 *   nothing is lost that matters in a PR description.
 * - code (`'code'`, the diff, file and branch names): no Unicode normalization at all. NFKC would
 *   change what the code says (`ﬁ` → `fi`, `²` → `2`, full-width literals) and even NFC changes
 *   bytes of test fixtures, so Devin would see text that is not in the file. Invisible characters
 *   are not dropped silently either: each becomes a visible `<U+202E>` marker, so a Trojan Source
 *   bidi override or an ASCII-smuggling tag character is neutralized *and* shown for what it is.
 */

import { fenceFor, longestRun } from '../hygiene/fence.js'

export { fenceFor } from '../hygiene/fence.js'

export type SanitizeMode = 'prose' | 'code'

// Invisible or layout-changing code points: C0/C1 controls (except tab and newline), format
// characters (zero-width, bidi embeddings/overrides/isolates, LRM/RLM/ALM, soft hyphen, BOM,
// Unicode tags used for "ASCII smuggling"), the Hangul fillers and the combining grapheme joiner
// that render as nothing, Mongolian selectors, and the variation selectors that can smuggle bytes
// (VS1–VS14, VS17–VS256; VS15/VS16 stay because emoji need them). The combining ones are listed
// in the class on purpose: each is matched on its own, never as part of a sequence.
/* eslint-disable no-misleading-character-class */
const INVISIBLE =
  /(?![\t\n])[\p{Cc}\p{Cf}\u034F\u115F\u1160\u180B-\u180F\u3164\uFE00-\uFE0D\uFFA0\u{E0100}-\u{E01EF}]/gu
/* eslint-enable no-misleading-character-class */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
// Line and paragraph separators break lines for some readers but not for others.
const LINE_SEPARATORS = /\r\n?|[\u2028\u2029\u0085]/g

function marker(ch: string): string {
  return `<U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}>`
}

/** Makes untrusted text safe to read: see the module comment for what `mode` changes. */
export function sanitizeUntrusted(text: string, mode: SanitizeMode = 'prose'): string {
  const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD')
  if (mode === 'prose') {
    return wellFormed.replace(LINE_SEPARATORS, '\n').normalize('NFKC').replace(INVISIBLE, '')
  }
  // Code keeps CRLF line ends (they are part of the file) but shows every other control.
  return wellFormed.replace(INVISIBLE, (ch: string, offset: number, all: string) =>
    ch === '\r' && all.charCodeAt(offset + 1) === 10 ? ch : marker(ch)
  )
}

// `<untrusted_…` or `</untrusted_…` (any case, spaces, look-alike brackets) inside the text could
// close our block or open a fake one. The `<` becomes `&lt;`, which a reader still understands.
const DELIMITER = /[<\uFF1C\uFE64\u2039\u3008\u27E8\u2329](?=\s*\/?\s*untrusted)/giu

/** Neutralizes anything inside `text` that looks like one of our block delimiters. */
export function neutralizeDelimiters(text: string): string {
  return text.replace(DELIMITER, '&lt;')
}

function tagName(kind: string): string {
  const clean = kind
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return `untrusted_${clean || 'text'}`
}

/**
 * Wraps text in `<untrusted_KIND>` … `</untrusted_KIND>` with a Markdown code fence inside (so it
 * also renders as a block in the job summary). Neither delimiter can be forged from inside: look-
 * alike tags are escaped and the fence is longer than any backtick run in the text. The text should
 * already be sanitized (`sanitizeUntrusted`); normalizing after fencing could re-create a `<`.
 */
export function fenceUntrusted(kind: string, text: string, lang = 'text'): string {
  const tag = tagName(kind)
  const body = neutralizeDelimiters(text)
  const fence = fenceFor(body)
  const nl = body === '' || body.endsWith('\n') ? '' : '\n'
  return `<${tag}>\n${fence}${lang}\n${body}${nl}${fence}\n</${tag}>`
}

/**
 * Untrusted text for one line of Markdown (a branch name, an author): sanitized, line breaks
 * folded, cut to `max` characters, delimiters escaped, and wrapped in inline code. Use `'code'`
 * for names that must stay exact (branches), `'prose'` for free text.
 */
export function inlineUntrusted(text: string, mode: SanitizeMode = 'prose', max = 200): string {
  let one = sanitizeUntrusted(text, mode).replace(/\s+/g, ' ').trim()
  if (one.length > max) one = `${one.slice(0, max - 1)}…`
  if (one === '') return '(empty)'
  one = neutralizeDelimiters(one)
  const ticks = '`'.repeat(longestRun(one, '`') + 1)
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${one}${pad}${ticks}`
}
