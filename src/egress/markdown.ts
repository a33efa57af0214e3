/**
 * The Markdown rules for text the action did not write (a PR title, a branch, Devin's status, an
 * HTTP error's detail) when it goes into the sticky comment, the job summary or a check run, all
 * rendered under the bot's name. Untrusted text stays one line of plain text: no link, image,
 * HTML, heading, table cell break, math, @mention (which would notify someone) or autolink. Links
 * the action builds from Devin's or GitHub's data point only at `https` URLs on the expected
 * hosts; anything else is shown as code.
 */

import { longestRun } from '../hygiene/fence.js'

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

function oneLine(text: string): string {
  return text.replace(/[\r\n\u0085\u2028\u2029]+/g, ' ').replace(/[\p{Cc}]/gu, '')
}
