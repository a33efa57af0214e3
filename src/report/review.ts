/**
 * How a `mode: review` run reads: the same places as a handoff (comment, check run, job summary,
 * outputs), with a review's facts. Devin Review's answer carries no findings (Devin's GitHub App
 * posts those on the PR itself), so the report says where they appear and never makes any up.
 * Devin's answer is untrusted text like any other: its status and commit go out as code.
 */
import { mdCode, mdLink, mdText, type LinkHosts } from '../egress/markdown.js'
import type { Report } from '../state/run-state.js'
import { describeReview } from '../state/review.js'
import { elapsedOf, formatElapsed, startOnly } from './headline.js'

/** Devin's GitHub App, which posts the findings (devin-api.md "Additions"); code, not a mention. */
const DEVIN_APP = 'devin-ai-integration[bot]'

/** A commit as people read it; anything that is not a hex SHA is shown whole, as code. */
function shortSha(sha: string): string {
  return /^[0-9a-f]{7,64}$/i.test(sha) ? sha.slice(0, 7) : sha
}

/** The review's state in a few words (the headline and the check run's title). */
export function reviewStateWord(r: Report): string {
  if (r.cancelled) return '🛑 Cancelled'
  const status = r.review?.status
  switch (r.result) {
    case undefined:
    case 'created':
      if (startOnly(r)) return '🚀 Devin Review requested'
      return status === 'running' ? '🔍 Devin is reviewing' : '⏳ Review queued'
    case 'finished':
      return '✅ Review completed'
    case 'error':
      return r.review && status !== 'requested' ? '❌ Review errored' : '❌ Review request failed'
    case 'timeout':
      return '⏱️ Stopped waiting for the review'
    case 'skipped':
      return r.review ? '⏭️ Already reviewed' : '⏭️ Skipped'
    case 'dry-run':
      return '🧪 Dry run'
    default:
      return `${r.result}`
  }
}

/** The elapsed time, when the report knows it: a sync knows only that the review ended since. */
function elapsed(r: Report): string | undefined {
  if (r.syncedAt !== undefined || r.result === 'skipped' || r.result === 'dry-run') return
  if (startOnly(r)) return
  return formatElapsed(elapsedOf(r))
}

export function reviewHeadline(r: Report): string {
  const word = reviewStateWord(r)
  const parts = [`**${word}**`]
  if (r.review) parts.push(`commit ${mdCode(shortSha(r.review.commitSha))}`)
  const time = elapsed(r)
  if (time) parts.push(time)
  return parts.join(' · ')
}

/** One plain line for the check run's title: our words and numbers only. */
export function reviewPlainHeadline(r: Report): string {
  const word = reviewStateWord(r).replace(/^\S+\s/, '')
  const time = elapsed(r)
  if (startOnly(r)) return `${word}; a mode: sync run updates this check`
  return time ? `${word} · ${time}` : word
}

/** Where the findings are, by how the review stands; never findings of our own. */
export function reviewLines(r: Report): string[] {
  const app = mdCode(DEVIN_APP)
  const status = r.review?.status
  if (r.cancelled || r.result === 'dry-run' || !r.review || status === 'requested') return []
  if (r.result === 'skipped')
    return [
      `Devin Review has this commit already (${mdCode(status ?? '')}); its findings are on this pull request, from ${app}.`,
      ''
    ]
  if (r.result === 'finished')
    return [`Devin Review's findings, if any, are on this pull request, posted by ${app}.`, '']
  if (r.result === 'error')
    return [
      `Devin Review reported an error for this commit. Run the workflow again (or comment the trigger phrase) to ask for a new review: one that errored does not count as done.`,
      ''
    ]
  const line = `Devin Review posts its findings on this pull request as ${app}; this comment only follows the review.`
  if (startOnly(r))
    return [
      line,
      '',
      '_It shows the request only: a `mode: sync` run updates it when the review is done._',
      ''
    ]
  return [line, '']
}

/** The details table's rows for a review. */
export function reviewRows(r: Report, links: LinkHosts): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const v = r.review
  if (v) {
    const pr = r.prNumber ? ` of ${mdLink(`#${r.prNumber}`, v.prUrl, [links.github])}` : ''
    out.push(['Review', `commit ${mdCode(v.commitSha)}${pr}`])
    if (v.status !== 'requested' && !startOnly(r))
      out.push(['Status', `${mdCode(v.status)}: ${mdText(describeReview(v.status))}`])
    if (v.createdAt) out.push(['Requested at', mdText(v.createdAt)])
  }
  if (r.result)
    out.push(['Result', `${mdCode(r.result)}${r.skipReason ? `: ${mdText(r.skipReason)}` : ''}`])
  const time = elapsed(r)
  if (time) out.push(['Elapsed', time])
  if (r.runUrl) out.push(['Run', mdLink('workflow run', r.runUrl, [links.github])])
  return out
}

/** The `review-status` output: Devin's status, or `skipped` when the commit had its review. */
export function reviewStatusOutput(r: Report): string {
  const v = r.review
  if (!v || v.status === 'requested') return ''
  return r.result === 'skipped' ? 'skipped' : v.status
}
