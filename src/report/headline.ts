/**
 * The comment's first line, read on a phone before anything else: what state the session is in,
 * for how long, at what cost, which PRs it opened, and where to follow it. One line, at most
 * {@link HEADLINE_WIDTH} visible characters with up to two PRs of this repository, so it does not
 * wrap on a phone; everything else folds below it.
 */
import { mdText, safeUrl, type LinkHosts } from '../egress/markdown.js'
import type { Report } from '../state/run-state.js'

/** Visible characters (UTF-16 units, links' labels only) the headline may take. */
export const HEADLINE_WIDTH = 60

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${sec}s`
  return `${sec}s`
}

/** ACUs to two decimals at most, without trailing zeros: `4.2`. */
export function roundAcus(acus: number): string {
  return String(Math.round(acus * 100) / 100)
}

/** For the headline: hundreds of ACUs need no decimals, and they would cost it its width. */
export function formatAcus(acus: number): string {
  const n = acus >= 100 ? String(Math.round(acus)) : roundAcus(acus)
  return `${n} ACU${n === '1' ? '' : 's'}`
}

/**
 * Whether the report only knows that the session (or review) started: nobody followed it (no `wait`) and no
 * `mode: sync` run has refreshed it since, so its status and ACUs would be frozen at the start.
 */
export function startOnly(r: Report): boolean {
  return (
    (r.result === 'created' || r.result === 'reused') &&
    r.wait === undefined &&
    r.syncedAt === undefined &&
    !r.cancelled
  )
}

/** What the report says of the session, as one short state (also the check run's title). */
export function stateWord(r: Report): string {
  if (r.cancelled) return '🛑 Cancelled'
  switch (r.result) {
    case undefined:
      return '⏳ Working'
    case 'created':
      return startOnly(r) ? '🚀 Devin session started' : '⏳ Working'
    case 'reused':
      if (!startOnly(r)) return '⏳ Working'
      return r.answered ? '💬 Answer delivered' : '🔁 Handoff sent to the running session'
    case 'finished':
      return '✅ Finished'
    case 'needs-input':
      return '💬 Needs input'
    case 'suspended':
      return '⏸️ Suspended'
    case 'error':
      return r.session ? '❌ Failed' : '❌ Handoff failed'
    case 'timeout':
      // The wait timed out; the note below says the session keeps running.
      return '⏱️ Timed out'
    case 'skipped':
      return '⏭️ Skipped'
    case 'dry-run':
      return '🧪 Dry run'
  }
}

/** How long the run (or the session, once a sync refreshed it) has gone on. */
export function elapsedOf(r: Report): number {
  return Math.max(r.updatedAt, r.syncedAt ?? 0) - r.startedAt
}

/** A pull request's place, parsed strictly from its URL; undefined for any other URL. */
export interface PrRef {
  host: string
  repo: string
  number: number
}

const PR_URL =
  /^https:\/\/([a-z0-9.-]+(?::[0-9]{1,5})?)\/([a-z0-9](?:[a-z0-9-]{0,38}))\/([a-z0-9._-]{1,100})\/pull\/([1-9][0-9]{0,9})$/i

export function parsePrUrl(url: string): PrRef | undefined {
  const m = PR_URL.exec(url)
  if (!m) return undefined
  const [, host, owner, name, n] = m as unknown as [string, string, string, string, string]
  if (/^\.+$/.test(name)) return undefined
  return { host: host.toLowerCase(), repo: `${owner}/${name}`, number: Number(n) }
}

/**
 * The PRs as the headline names them: `#N` for this repository's on this server, `owner/repo#N`
 * for another repository's there, and the rest (another server, a URL that is not a PR's) only
 * counted. The full URLs are in the details table.
 */
export function prRefs(urls: readonly string[], slug: string, github: string): string {
  const refs: string[] = []
  let others = 0
  for (const url of new Set(urls)) {
    const pr = parsePrUrl(url)
    if (!pr || pr.host !== github.toLowerCase()) others++
    else if (pr.repo.toLowerCase() === slug.toLowerCase()) refs.push(`#${pr.number}`)
    else refs.push(`${pr.repo}#${pr.number}`)
  }
  if (refs.length === 0) return others > 0 ? prCount(others) : ''
  return others > 0 ? `${refs.join(', ')} +${prCount(others)}` : refs.join(', ')
}

export function prCount(n: number): string {
  return `${n} PR${n === 1 ? '' : 's'}`
}

/** A part of the headline: its Markdown, and the text a reader sees of it. */
interface Part {
  md: string
  text: string
}

const plain = (text: string): Part => ({ md: mdText(text), text })

function link(label: string, url: string | undefined, hosts: readonly string[]): Part[] {
  const safe = url === undefined ? undefined : safeUrl(url, hosts)
  // A URL that is not safe is left out here; the details table shows it as code.
  return safe ? [{ md: `[${label}](${safe})`, text: label }] : []
}

const width = (parts: Part[]): number => parts.map((p) => p.text).join(' · ').length

/** The whole headline: bold state, then the facts, joined by ` · `. */
export function headlineLine(r: Report, links: LinkHosts): string {
  const word = stateWord(r)
  const head: Part = { md: `**${word}**`, text: word }
  const s = r.session
  const sessionLink = (label: string): Part[] => link(label, s?.url, links.devin)
  let parts: Part[]
  if (startOnly(r)) {
    parts = [head, ...sessionLink('follow it in Devin')]
  } else if (r.result === 'dry-run') {
    parts = [head, plain('nothing was sent')]
  } else if (r.result === 'skipped' && !s) {
    parts = [head]
  } else {
    const facts: Part[] = [plain(formatElapsed(elapsedOf(r)))]
    if (s?.acus !== undefined) facts.push(plain(formatAcus(s.acus)))
    const tail = s ? sessionLink('Devin session') : link('workflow run', r.runUrl, [links.github])
    const prs = s?.pullRequests ?? []
    const named = prRefs(prs, r.slug, links.github)
    parts = [head, ...facts, ...(named ? [plain(named)] : []), ...tail]
    // Too wide for a phone: the PRs are counted instead of named.
    if (named && width(parts) > HEADLINE_WIDTH)
      parts = [head, ...facts, plain(prCount(new Set(prs).size)), ...tail]
  }
  return parts.map((p) => p.md).join(' · ')
}

/** The headline as plain text for a check run's title: our words and numbers only. */
export function plainHeadline(r: Report): string {
  const word = stateWord(r).replace(/^\S+\s/, '')
  if (startOnly(r)) return `${word}; a mode: sync run updates this check`
  if (r.result === 'dry-run' || r.result === 'skipped') return word
  const parts = [word, formatElapsed(elapsedOf(r))]
  const s = r.session
  if (s?.acus !== undefined) parts.push(formatAcus(s.acus))
  if (s && s.pullRequests.length > 0) parts.push(prCount(new Set(s.pullRequests).size))
  return parts.join(' · ')
}
