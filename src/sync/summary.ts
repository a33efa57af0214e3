/**
 * The job summary of a sync: the counts, and one row per changed session (its link, what its
 * surfaces showed before and now, what was written). Titles, states and warnings come from Devin
 * and GitHub, so they are placed with the egress gate's Markdown rules.
 */
import { mdCode, mdLink, mdText, type LinkHosts } from '../egress/markdown.js'
import type { SessionSync } from './session.js'
import type { SyncResult } from './sync.js'
import { written } from './sync.js'

function outcome(s: SessionSync): string {
  const wrote = written(s)
  if (s.warning !== undefined)
    return `⚠️ ${wrote ? `${wrote}, then ` : ''}not synced: ${mdText(s.warning)}`
  const notes: string[] = []
  if (s.comment === 'gone') notes.push('comment gone')
  if (s.comment === 'elsewhere') notes.push('comment shows a later session')
  if (s.check === 'gone') notes.push('check run gone')
  if (s.check === 'refused') notes.push('check run refused: the token needs `checks: write`')
  return [wrote || 'nothing to write', ...notes].join('; ')
}

export function renderSyncSummary(r: SyncResult, links: LinkHosts): string {
  const lines = [
    '### Devin sessions synced',
    '',
    `Listed ${r.listed} · live ${r.live} · changed ${r.changed} · synced ${r.synced}` +
      (r.failed > 0 ? ` · **${r.failed} left for the next sync**` : ''),
    ''
  ]
  if (r.sessions.length === 0) {
    lines.push('No session changed since its comment and check run last showed it.')
    return `${lines.join('\n')}\n`
  }
  lines.push('| session | shown before → now | written |', '| --- | --- | --- |')
  for (const s of r.sessions) {
    const from = s.from === undefined ? 'not recorded' : mdCode(s.from)
    lines.push(
      `| ${mdLink(s.title || s.id, s.url, links.devin)} | ${from} → ${mdCode(s.to)} | ${outcome(s)} |`
    )
  }
  return `${lines.join('\n')}\n`
}
