/**
 * The Markdown rules for text the action did not write (a PR title, a branch, Devin's status, an
 * HTTP error's detail) when it goes into the sticky comment, the job summary or a check run, all
 * rendered under the bot's name. Untrusted text stays one line of plain text: no link, image,
 * HTML, heading, table cell break, math, @mention (which would notify someone) or autolink. Links
 * the action builds from Devin's or GitHub's data point only at `https` URLs on the expected
 * hosts; anything else is shown as code.
 */

import { longestRun } from '../hygiene/fence.js'
import { capUnits } from './caps.js'

const ZWSP = '\u200b'

/** Hosts (`host[:port]`, lower case) that links may point at. */
export interface LinkHosts {
  github: string
  devin: readonly string[]
}

export function linkHosts(serverUrl: string, apiUrl?: string): LinkHosts {
  const devin = new Set(['app.devin.ai'])
  if (apiUrl) {
    const host = hostOf(apiUrl)
    // Devin's web app sits beside its API: api.example.com → app.example.com.
    if (host?.startsWith('api.')) devin.add(`app.${host.slice(4)}`)
  }
  return { github: hostOf(serverUrl) ?? 'github.com', devin: [...devin] }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }

/** Untrusted text as one line of plain Markdown text. */
export function mdText(text: string): string {
  return (
    oneLine(text)
      .replace(/[&<>"]/g, (c) => HTML[c] as string)
      // Every character that can open inline syntax, GitHub's `$` math and `~` strike-through
      // included; with `[` and `]` escaped no link or image can form, so `(`, `)` and `!` stay.
      // A backslash escape is plain text in CommonMark, table cells included.
      .replace(/[\\`*_[\]|~$]/g, '\\$&')
      .replace(/@/g, `@${ZWSP}`)
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${ZWSP}.`)
  )
}

/** Untrusted text as an inline code span, fit for a table cell. */
export function mdCode(text: string): string {
  const flat = oneLine(text).replace(/\|/g, '\\|')
  const fence = '`'.repeat(longestRun(flat, '`') + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : ''
  return `${fence}${pad}${flat}${pad}${fence}`
}

/** `url` when it is `https` on one of `hosts` with no user info or odd characters, else undefined. */
export function safeUrl(url: string, hosts: readonly string[]): string | undefined {
  // A URL parser drops tabs and newlines; such a URL was not meant as written. Refuse it.
  if (/[\s\p{Cc}\p{Cf}]/u.test(url)) return undefined
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return undefined
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '') return undefined
  if (!hosts.includes(u.host.toLowerCase())) return undefined
  return u.href.replace(
    /[()[\]|'`*_~<>"\\]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  )
}

/** A link with an untrusted label; a URL that is not safe is shown as code, not linked. */
export function mdLink(label: string, url: string, hosts: readonly string[]): string {
  const safe = safeUrl(url, hosts)
  return safe ? `[${mdText(label)}](${safe})` : `${mdText(label)} (${mdCode(url)})`
}

/** A bare URL as a link to itself, under the same rule. */
export function mdUrl(url: string, hosts: readonly string[]): string {
  const safe = safeUrl(url, hosts)
  return safe ? `<${safe}>` : mdCode(url)
}

/** Where a shortened quote links for the rest. */
export interface QuoteMore {
  url: string
  hosts: readonly string[]
  label?: string
}

/** Lines kept in a quote, whatever its length in characters: a phone screen, not a log. */
const MAX_QUOTE_LINES = 40

/**
 * Untrusted multi-line text (Devin's message) as the lines of a block quote, each starting with
 * `>`: every line is plain text as {@link mdText} makes it, and nothing at a line's start can
 * become a block (heading, list, rule, code block, setext underline); each line ends in a hard
 * break. Runs of blank lines become one `>`. Cut to about `maxChars` of the text, or {@link MAX_QUOTE_LINES} lines, never through a
 * character; a cut quote ends with `…` and a link to `more` when that URL is safe.
 */
export function mdQuote(text: string, maxChars: number, more?: QuoteMore): string {
  const { lines, cut } = quoteLines(text, maxChars)
  const out = lines.map((line, i) => {
    if (line === '') return '>'
    // A backslash before the line break is a hard break: the lines stay lines wherever the
    // Markdown is rendered, not only in comments (content backslashes are escaped by mdText).
    const hard = i < lines.length - 1 && lines[i + 1] !== '' ? '\\' : ''
    return `> ${quoteLine(line)}${hard}`
  })
  if (cut) {
    const url = more && safeUrl(more.url, more.hosts)
    const last = out.length - 1
    out[last] = `${out[last] === '>' ? '> ' : `${out[last]} `}…`
    if (url) out.push('>', `> [${mdText(more?.label ?? 'Read the rest in Devin')}](${url})`)
  }
  return out.join('\n')
}

/** The text's lines (any line break), blank runs collapsed, cut by characters and by lines. */
function quoteLines(text: string, maxChars: number): { lines: string[]; cut: boolean } {
  let kept = capUnits(text, maxChars)
  let cut = kept.length < text.length
  if (cut) {
    // End at a word when one ends near the limit, so the cut reads as one.
    const space = kept.search(/\s\S*$/)
    if (space >= maxChars * 0.8) kept = kept.slice(0, space)
  }
  const lines: string[] = []
  for (const raw of kept.split(/\r\n|[\r\n\u0085\u2028\u2029]/)) {
    const line = raw.trimEnd()
    if (line.trim() === '' && (lines.length === 0 || lines[lines.length - 1] === '')) continue
    lines.push(line.trim() === '' ? '' : line)
  }
  while (lines[lines.length - 1] === '') lines.pop()
  if (lines.length > MAX_QUOTE_LINES) {
    lines.length = MAX_QUOTE_LINES
    cut = true
  }
  if (lines.length === 0) lines.push('')
  return { lines, cut }
}

const NBSP = '\u00a0'

/**
 * One line of a quote. Leading blanks become no-break spaces (kept as indentation, never a code
 * block); a line-start `#`, `-`, `+`, `=` or `1.` is escaped so it stays text, not a heading, list,
 * rule or setext underline (`*`, `_`, `>` and backticks are escaped by mdText everywhere).
 */
function quoteLine(line: string): string {
  const indent = /^[ \t]*/.exec(line)?.[0] ?? ''
  const rest = mdText(line.slice(indent.length).replace(/\t/g, ' '))
  const lead = indent.replace(/\t/g, '    ').replace(/ /g, NBSP)
  return lead + rest.replace(/^[#+=-]/, '\\$&').replace(/^(\d{1,9})([.)])/, '$1\\$2')
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ').replace(/[\p{Cc}]/gu, '')
}
