/**
 * Everything the run tells people: step outputs, the job summary and the sticky comment body,
 * all rendered from one Report so that they never disagree. Every text the action did not write
 * (titles, branches, Devin's status, words and URLs, error details) is placed with the egress
 * gate's Markdown rules (src/egress/markdown.ts): as plain text, as code, or as a link only to an
 * expected host.
 *
 * The comment reads top-down on a phone: one headline (./headline.ts), Devin's words and who
 * asked (./words.ts), what went wrong, then the details folded, then the hidden state that lets a
 * `mode: sync` run redraw it (src/state/marker.ts).
 */
import { capBytes, capUnits } from '../egress/caps.js'
import { mdCode, mdLink, mdText, mdUrl, type LinkHosts } from '../egress/markdown.js'
import { MAX_SUMMARY_BYTES } from '../egress/step.js'
import { describeStatus } from '../devin/status.js'
import { fenceFor } from '../hygiene/fence.js'
import { encodeState } from '../state/marker.js'
import type { HandoffSummary, Report, Result } from '../state/run-state.js'
import { elapsedOf, formatElapsed, headlineLine, roundAcus, startOnly } from './headline.js'
import {
  reviewHeadline,
  reviewLines,
  reviewRows,
  reviewStateWord,
  reviewStatusOutput
} from './review.js'
import { devinWords, requestedBy } from './words.js'

export { formatElapsed } from './headline.js'

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

/** The job summary's heading: it has the width the comment's headline has not. */
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
  if (r.mode === 'review') return reviewStateWord(r)
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
  // Checked as 40 hex where it is read back (src/state/marker.ts): a commit, nothing else.
  if (h.since) parts.push(`only the commits since \`${h.since.slice(0, 7)}\``)
  if (h.omitted > 0) parts.push(`${h.omitted} left out${h.truncated ? ' (budget)' : ''}`)
  if (h.redactions > 0)
    parts.push(`${h.redactions} secret${h.redactions === 1 ? '' : 's'} redacted`)
  return parts.join(' · ')
}

function rows(r: Report, links: LinkHosts): Array<[string, string]> {
  if (r.mode === 'review') return reviewRows(r, links)
  const out: Array<[string, string]> = []
  const s = r.session
  // A report that knows only the start shows no status, time or ACUs that would stay frozen.
  const live = !startOnly(r)
  if (s) {
    out.push(['Session', mdLink(s.title || s.id, s.url, links.devin)])
    if (live)
      out.push([
        'Status',
        `${mdCode(s.status)}${s.detail ? ` / ${mdCode(s.detail)}` : ''}: ${mdText(describeStatus(s.status, s.detail))}`
      ])
  }
  if (r.result)
    out.push(['Result', `${mdCode(r.result)}${r.skipReason ? `: ${mdText(r.skipReason)}` : ''}`])
  if (live) out.push(['Elapsed', formatElapsed(elapsedOf(r))])
  if (live && s?.acus !== undefined) out.push(['ACUs', roundAcus(s.acus)])
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

/** What the report says beside the headline: a skip's reason, the note, the error. */
function notes(r: Report): string[] {
  const lines: string[] = []
  if (r.result === 'skipped' && r.skipReason)
    lines.push(`> **Skipped:** ${mdText(r.skipReason)}`, '')
  if (r.note) lines.push(`> ${mdText(r.note)}`, '')
  if (r.error) lines.push(`> **Error:** ${mdText(r.error)}`, '')
  return lines
}

/** How much of the details a comment keeps, from all to the table alone. */
interface Detail {
  timeline: boolean
  structured: boolean
}

function folded(title: string, body: string): string[] {
  return [`<details><summary>${title}</summary>`, '', body, '', '</details>', '']
}

function details(r: Report, links: LinkHosts, d: Detail): string[] {
  const lines = ['<details><summary>Details</summary>', '', table(rows(r, links)), '']
  if (d.timeline && r.timeline.length > 0) {
    const items = r.timeline
      .slice(-30)
      .map((t) => `- ${formatElapsed(t.at - r.startedAt)}: ${mdText(t.text)}`)
    lines.push(...folded('Timeline', items.join('\n')))
  }
  const so = r.session?.structuredOutput
  if (so !== undefined && so !== null) {
    let block = fencedJson(so)
    if (!d.structured || block.length > MAX_STRUCTURED_CHARS)
      block = `_Structured output is ${formatBytes(block.length)}; see the \`structured-output\` step output._`
    lines.push(...folded('Structured output', block))
  }
  lines.push('</details>', '')
  return lines
}

function footer(r: Report): string {
  const key = r.commentKey === 'default' ? '' : ` · key ${mdCode(r.commentKey)}`
  const when =
    r.syncedAt !== undefined
      ? `updated by sync ${new Date(r.syncedAt).toISOString()}`
      : `updated ${new Date(r.updatedAt).toISOString()}`
  return `<sub>Devin Handoff · ${when}${key}</sub>`
}

/**
 * The comment's visible part at most: with credentials scrubbed (which may lengthen a text by a
 * quarter) and the state line, it still fits GitHub's 65,536 characters with the marker.
 */
export const MAX_BODY_CHARS = 45_000

const CUT_NOTE = '_…the rest of this report was cut to fit GitHub’s size limit._'

/**
 * The comment without its state line (also a check run's summary). A report too big for a
 * comment loses its structured output, then its timeline, then is cut.
 */
export function renderBody(r: Report, links: LinkHosts): string {
  const tries: Detail[] = [
    { timeline: true, structured: true },
    { timeline: true, structured: false },
    { timeline: false, structured: false }
  ]
  let body = ''
  for (const d of tries) {
    body = bodyWith(r, links, d)
    if (body.length <= MAX_BODY_CHARS) return body
  }
  const kept = capUnits(body, MAX_BODY_CHARS - CUT_NOTE.length - 20)
  // Only the action writes `<details>` (untrusted `<` is escaped): close the one the cut left open.
  const open = kept.split('<details>').length - kept.split('</details>').length
  return `${kept}\n\n${CUT_NOTE}\n${'\n</details>'.repeat(Math.max(0, open))}`
}

/** What opens the report: the headline, then what Devin said or where a review's findings are. */
function opening(r: Report, links: LinkHosts): string[] {
  if (r.mode === 'review') return [reviewHeadline(r), '', ...reviewLines(r)]
  const lines = [headlineLine(r, links), '']
  if (startOnly(r))
    lines.push(
      '_This comment shows the start only: follow the session in Devin, or let a `mode: sync` run refresh it._',
      ''
    )
  return [...lines, ...devinWords(r, links)]
}

function bodyWith(r: Report, links: LinkHosts, d: Detail): string {
  const lines = opening(r, links)
  lines.push(...requestedBy(r), ...notes(r), ...details(r, links, d))
  lines.push(footer(r))
  return lines.join('\n')
}

/**
 * The sticky comment's body (the sticky layer puts its marker first): the report, then the state
 * line last. `scrub` takes credentials out of the state, where the gate cannot see them.
 */
export function renderComment(
  r: Report,
  links: LinkHosts,
  scrub: (text: string) => string
): string {
  return `${renderBody(r, links)}\n${encodeState(r, scrub)}`
}

/** The prompt's share of the summary: what is left of the runner's limit after the rest. */
const SUMMARY_PROMPT_BYTES = MAX_SUMMARY_BYTES - 64 * 1024

export function renderSummary(r: Report, links: LinkHosts, prompt?: string): string {
  const said = r.mode === 'review' ? reviewLines(r) : devinWords(r, links)
  const lines = [`## ${headline(r)}`, '', ...said, ...requestedBy(r), ...notes(r)]
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
  if (r.checkRunUrl) pairs.push(['Check run', mdLink('check run', r.checkRunUrl, [links.github])])
  lines.push(table(pairs), '')
  if (prompt !== undefined) {
    // Cut by bytes, never through a character, so the whole summary fits the runner's limit.
    const shown = capBytes(prompt, SUMMARY_PROMPT_BYTES, '\n…(cut)')
    const fence = fenceFor(shown)
    lines.push(
      `<details><summary>${r.mode === 'review' ? 'Review request' : 'Prompt'}</summary>`,
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

/** The `last-message` output's limit, as the contract says. */
export const MAX_LAST_MESSAGE_CHARS = 10_000

export function outputsOf(r: Report): Record<string, string> {
  const s = r.session
  return {
    'session-id': s?.id ?? '',
    'session-url': s?.url ?? '',
    // A review's status is the review's (`review-status` says `skipped` where this cannot).
    status:
      r.mode === 'review'
        ? r.review?.status === 'requested'
          ? ''
          : (r.review?.status ?? '')
        : (s?.status ?? ''),
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
    'check-run-url': r.checkRunUrl ?? '',
    'last-message': r.lastMessage ? capUnits(r.lastMessage, MAX_LAST_MESSAGE_CHARS) : '',
    attachments: JSON.stringify(r.attachments),
    'diff-truncated': r.handoff?.truncated ? 'true' : 'false',
    'prompt-bytes': r.handoff ? String(r.handoff.promptBytes) : '',
    'review-status': reviewStatusOutput(r)
  }
}
