/**
 * Everything the run tells people: step outputs, the job summary and the sticky comment body,
 * all rendered from one Report so that they never disagree. Every text the action did not write
 * (titles, branches, Devin's status and URLs, error details) is placed with the egress gate's
 * Markdown rules (src/egress/markdown.ts): as plain text, as code, or as a link only to an
 * expected host.
 */
import { capBytes } from '../egress/caps.js'
import { mdCode, mdLink, mdText, mdUrl, type LinkHosts } from '../egress/markdown.js'
import { MAX_SUMMARY_BYTES } from '../egress/step.js'
import { describeStatus } from '../devin/status.js'
import { fenceFor } from '../hygiene/fence.js'
import type { HandoffSummary, Report, Result } from '../state/run-state.js'

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${sec}s`
  return `${sec}s`
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

const HEADLINE: Record<Result, string> = {
  created: '🚀 Devin session started',
  reused: '🔁 Handoff sent to the running Devin session',
  finished: '✅ Devin finished',
  'needs-input': '💬 Devin needs input',
  suspended: '⏸️ Devin session suspended',
  error: '❌ Devin handoff failed',
  timeout: '⏱️ Stopped waiting for Devin',
  skipped: '⏭️ Devin handoff skipped',
  'dry-run': '🧪 Devin handoff dry run'
}

export function headline(r: Report): string {
  if (r.cancelled) return '🛑 Workflow cancelled'
  if (!r.result) return '⏳ Devin is working'
  return HEADLINE[r.result]
}

export function handoffLine(h: HandoffSummary): string {
  const parts = [
    `${h.files} changed file${h.files === 1 ? '' : 's'}`,
    `${formatBytes(h.promptBytes)} prompt`
  ]
  parts.push(`change from ${mdText(h.source)}`)
  if (h.omitted > 0) parts.push(`${h.omitted} left out${h.truncated ? ' (budget)' : ''}`)
  if (h.redactions > 0)
    parts.push(`${h.redactions} secret${h.redactions === 1 ? '' : 's'} redacted`)
  return parts.join(' · ')
}

function rows(r: Report, links: LinkHosts): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const s = r.session
  if (s) {
    out.push(['Session', mdLink(s.title || s.id, s.url, links.devin)])
    out.push([
      'Status',
      `${mdCode(s.status)}${s.detail ? ` / ${mdCode(s.detail)}` : ''}: ${mdText(describeStatus(s.status, s.detail))}`
    ])
  }
  if (r.result)
    out.push(['Result', `${mdCode(r.result)}${r.skipReason ? `: ${mdText(r.skipReason)}` : ''}`])
  out.push(['Elapsed', formatElapsed(r.updatedAt - r.startedAt)])
  if (s?.acus !== undefined) out.push(['ACUs', String(Math.round(s.acus * 100) / 100)])
  if (s && s.pullRequests.length > 0)
    out.push(['Pull requests', s.pullRequests.map((u) => mdUrl(u, [links.github])).join(' ')])
  if (r.handoff) out.push(['Handoff', handoffLine(r.handoff)])
  if (r.attachments.length > 0)
    out.push(['Attachments', r.attachments.map((a) => mdCode(a)).join(', ')])
  if (r.runUrl) out.push(['Run', mdLink('workflow run', r.runUrl, [links.github])])
  return out
}

function table(pairs: Array<[string, string]>): string {
  return ['| | |', '| --- | --- |', ...pairs.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
}

function fencedJson(value: unknown): string {
  const json = JSON.stringify(value, null, 2) ?? 'null'
  const fence = fenceFor(json)
  return `${fence}json\n${json}\n${fence}`
}

/** Structured output can be large; the comment keeps a bounded excerpt. */
const MAX_STRUCTURED_CHARS = 20_000

/** The note and error: the action's words, which may quote a server's or Devin's. */
function notes(r: Report): string[] {
  const lines: string[] = []
  if (r.note) lines.push(`> ${mdText(r.note)}`, '')
  if (r.error) lines.push(`> **Error:** ${mdText(r.error)}`, '')
  return lines
}

export function renderComment(r: Report, links: LinkHosts): string {
  const lines = [`### ${headline(r)}`, '', ...notes(r)]
  lines.push(table(rows(r, links)), '')
  if (r.timeline.length > 0) {
    lines.push('<details><summary>Timeline</summary>', '')
    for (const t of r.timeline.slice(-30)) {
      lines.push(`- ${formatElapsed(t.at - r.startedAt)}: ${mdText(t.text)}`)
    }
    lines.push('', '</details>', '')
  }
  const so = r.session?.structuredOutput
  if (so !== undefined && so !== null) {
    let block = fencedJson(so)
    if (block.length > MAX_STRUCTURED_CHARS)
      block = `_Structured output is ${formatBytes(block.length)}; see the \`structured-output\` step output._`
    lines.push('<details><summary>Structured output</summary>', '', block, '', '</details>', '')
  }
  const key = r.commentKey === 'default' ? '' : ` · key ${mdCode(r.commentKey)}`
  lines.push(`<sub>Devin Handoff · updated ${new Date(r.updatedAt).toISOString()}${key}</sub>`)
  return lines.join('\n')
}

/** The prompt's share of the summary: what is left of the runner's limit after the rest. */
const SUMMARY_PROMPT_BYTES = MAX_SUMMARY_BYTES - 64 * 1024

export function renderSummary(r: Report, links: LinkHosts, prompt?: string): string {
  const lines = [`## ${headline(r)}`, '', ...notes(r)]
  const pairs = rows(r, links)
  pairs.unshift([
    'Repository',
    `${mdText(r.slug)}${r.prNumber ? ` #${r.prNumber}` : ''}${r.headRef ? ` (${mdCode(r.headRef)})` : ''}`
  ])
  if (r.wait) {
    const waited = formatElapsed((r.wait.endedAt ?? r.updatedAt) - r.wait.startedAt)
    pairs.push(['Waited', `${waited} (${r.wait.polls} poll${r.wait.polls === 1 ? '' : 's'})`])
  }
  if (r.commentUrl) pairs.push(['Comment', mdLink('sticky comment', r.commentUrl, [links.github])])
  lines.push(table(pairs), '')
  if (prompt !== undefined) {
    // Cut by bytes, never through a character, so the whole summary fits the runner's limit.
    const shown = capBytes(prompt, SUMMARY_PROMPT_BYTES, '\n…(cut)')
    const fence = fenceFor(shown)
    lines.push(
      '<details><summary>Prompt</summary>',
      '',
      `${fence}markdown`,
      shown,
      fence,
      '',
      '</details>',
      ''
    )
  }
  return lines.join('\n')
}

export function outputsOf(r: Report): Record<string, string> {
  const s = r.session
  return {
    'session-id': s?.id ?? '',
    'session-url': s?.url ?? '',
    status: s?.status ?? '',
    'status-detail': s?.detail ?? '',
    result: r.result ?? '',
    'skip-reason': r.skipReason ?? '',
    'pull-requests': JSON.stringify(s?.pullRequests ?? []),
    'acus-consumed': s?.acus !== undefined ? String(s.acus) : '',
    'structured-output':
      s?.structuredOutput !== undefined && s.structuredOutput !== null
        ? JSON.stringify(s.structuredOutput)
        : '',
    'comment-url': r.commentUrl ?? '',
    attachments: JSON.stringify(r.attachments),
    'diff-truncated': r.handoff?.truncated ? 'true' : 'false',
    'prompt-bytes': r.handoff ? String(r.handoff.promptBytes) : ''
  }
}
