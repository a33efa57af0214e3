/**
 * The job summary of a sync: the counts, one row per changed session (its link, what its
 * surfaces showed before and now, what was written), then one per review that moved or failed.
 * Titles, states and warnings come from Devin and GitHub, so they are placed with the egress
 * gate's Markdown rules.
 */
import { mdCode, mdLink, mdText, type LinkHosts } from '../egress/markdown.js'
import type { ReviewSync, ReviewSyncResult } from './reviews.js'
import type { SessionSync } from './session.js'
import type { SyncResult } from './sync.js'
import { written } from './sync.js'

function notes(s: Pick<SessionSync, 'comment' | 'check'>): string[] {
  const out: string[] = []
  if (s.comment === 'gone') out.push('comment gone')
  if (s.comment === 'elsewhere') out.push('comment shows a later session')
  if (s.check === 'gone') out.push('check run gone')
  if (s.check === 'refused') out.push('check run refused: the token needs `checks: write`')
  return out
}

function outcome(s: Pick<SessionSync, 'comment' | 'check' | 'warning'>): string {
  const wrote = written(s)
  if (s.warning !== undefined)
    return `⚠️ ${wrote ? `${wrote}, then ` : ''}not synced: ${mdText(s.warning)}`
  return [wrote || 'nothing to write', ...notes(s)].join('; ')
}

/** The log line: what each part listed, found changed and wrote. */
export function syncedLine(
  slug: string,
  r: { sessions: SyncResult; reviews: ReviewSyncResult }
): string {
  const s = r.sessions
  const v = r.reviews
  const left = (n: number) => (n > 0 ? `, ${n} left for the next sync` : '')
  return (
    `Synced ${slug}: sessions ${s.listed} listed, ${s.live} live, ${s.changed} changed, ` +
    `${s.synced} written${left(s.failed)}; reviews ${v.inProgress} in progress (of ` +
    `${v.listed} recent comments), ${v.changed} changed, ${v.synced} written${left(v.failed)}.`
  )
}

export function renderSyncSummary(
  r: { sessions: SyncResult; reviews: ReviewSyncResult },
  links: LinkHosts
): string {
  return `${sessionLines(r.sessions, links).join('\n')}\n\n${reviewLines(r.reviews, links).join('\n')}\n`
}

function sessionLines(r: SyncResult, links: LinkHosts): string[] {
  const lines = [
    '### Devin sessions synced',
    '',
    `Listed ${r.listed} · live ${r.live} · changed ${r.changed} · synced ${r.synced}` +
      (r.failed > 0 ? ` · **${r.failed} left for the next sync**` : ''),
    ''
  ]
  if (r.sessions.length === 0) {
    lines.push('No session changed since its comment and check run last showed it.')
    return lines
  }
  lines.push('| session | shown before → now | written |', '| --- | --- | --- |')
  for (const s of r.sessions) {
    const from = s.from === undefined ? 'not recorded' : mdCode(s.from)
    lines.push(
      `| ${mdLink(s.title || s.id, s.url, links.devin)} | ${from} → ${mdCode(s.to)} | ${outcome(s)} |`
    )
  }
  return lines
}

function reviewLines(r: ReviewSyncResult, links: LinkHosts): string[] {
  const lines = [
    '### Devin Reviews synced',
    '',
    `Recent comments ${r.listed} · in progress ${r.inProgress} · changed ${r.changed} · synced ${r.synced}` +
      (r.failed > 0 ? ` · **${r.failed} left for the next sync**` : ''),
    ''
  ]
  const shown = r.reviews.filter((v) => v.to !== v.from || v.warning !== undefined)
  if (shown.length === 0) {
    lines.push('No review in progress changed since its comment last showed it.')
    return lines
  }
  lines.push('| review | shown before → now | written |', '| --- | --- | --- |')
  for (const v of shown) {
    const now = v.to === undefined ? 'no review at Devin' : mdCode(v.to)
    lines.push(
      `| ${mdLink(`PR #${v.pr}`, v.prUrl, [links.github])} | ${mdCode(v.from)} → ${now} | ${reviewOutcome(v)} |`
    )
  }
  return lines
}

function reviewOutcome(v: ReviewSync): string {
  if (v.to === undefined && v.warning === undefined) return 'left as it was'
  return outcome(v)
}
