/**
 * A repository's Devin sessions as earlier handoff runs left them, laid out without running them:
 * each session in the Devin emulator (seeded, no requests logged) with the action's tags, its
 * sticky comment on the GitHub emulator rendered by the action's own renderer (marker, report,
 * hidden state) and written by the token's bot, and its check run made by the same App. What a
 * `mode: sync` run then reads is what a real handoff would have left.
 */
import { commentBody } from '../../src/egress/comment.ts'
import { linkHosts } from '../../src/egress/markdown.ts'
import { withMarker } from '../../src/github/sticky-comment.ts'
import { renderComment } from '../../src/report/render.ts'
import type { Report } from '../../src/state/run-state.ts'
import { liveTag, prTag, repoTag, shownKey, withTracking } from '../../src/state/tracking.ts'
import type { DevinEmulator, SessionStep } from '../emulators/devin.ts'
import type { GitHubEmulator } from '../emulators/github.ts'

/** A session's state as the list shows it, in the report's words. */
export interface Shown {
  status: string
  detail: string
  pullRequests: string[]
}

export const WORKING: Shown = { status: 'running', detail: 'working', pullRequests: [] }
export const ASKING: Shown = { status: 'running', detail: 'waiting_for_user', pullRequests: [] }
export const FINISHED: Shown = { status: 'running', detail: 'finished', pullRequests: [] }
export const ENDED: Shown = { status: 'exit', detail: '', pullRequests: [] }

export interface SeedSpec {
  /** What its comment and check run show. */
  shown: Shown
  /** What Devin says now; `shown` when unchanged. */
  now?: Shown & { acus?: number }
  messages?: Array<{ message: string; source?: string }>
  pr: number
  /** Tags instead of the action's: another repository's session, or one the action did not make. */
  tags?: (own: string[]) => string[]
}

export interface SeededSession {
  id: string
  pr: number
  commentId: number
  checkId: number
}

export interface Where {
  slug: string
  serverUrl?: string
  /** The bot the token writes as, and its App. */
  bot: string
  headSha: string
  key?: string
}

/** The report a handoff that did not wait leaves in its comment. */
export function startedReport(id: string, shown: Shown, pr: number, w: Where): Report {
  const server = w.serverUrl ?? 'https://github.com'
  const at = Date.UTC(2026, 10, 29, 9)
  return {
    phase: 'ended',
    result: 'created',
    session: {
      id,
      url: `https://app.devin.ai/sessions/${id}`,
      status: shown.status,
      detail: shown.detail,
      pullRequests: [...shown.pullRequests],
      acus: 0
    },
    slug: w.slug,
    prNumber: pr,
    startedAt: at,
    updatedAt: at,
    runUrl: `${server}/${w.slug}/actions/runs/${1000 + pr}`,
    commentKey: w.key ?? 'default',
    timeline: [{ at, text: 'session created (new)' }],
    attachments: [],
    handoff: {
      promptBytes: 4096,
      files: 3,
      source: 'git',
      truncated: false,
      omitted: 0,
      redactions: 0
    },
    requestedBy: { login: 'octocat', text: `fix the tests of #${pr}` }
  }
}

const asStep = (s: Shown & { acus?: number }): SessionStep => ({
  status: s.status,
  status_detail: s.detail || null,
  pull_requests: s.pullRequests.map((pr_url) => ({ pr_url, pr_state: 'open' })),
  ...(s.acus !== undefined ? { acus_consumed: s.acus } : {})
})

export function seedRepository(
  devin: DevinEmulator,
  gh: GitHubEmulator,
  specs: SeedSpec[],
  w: Where
): SeededSession[] {
  const key = w.key ?? 'default'
  const links = linkHosts(w.serverUrl ?? 'https://github.com')
  const same = (t: string): string => t
  const ids = devin.seedSessions(
    specs.map((s, i) => ({
      prompt: `handoff ${i}`,
      tags: [],
      state: { ...asStep(s.now ?? s.shown), messages: s.messages }
    }))
  )
  return specs.map((s, i) => {
    const id = ids[i] as string
    const report = startedReport(id, s.shown, s.pr, { ...w, key })
    const body = withMarker(key, commentBody(renderComment(report, links, same), same))
    const comment = gh.addComment({ issue: s.pr, body, login: w.bot, type: 'Bot' })
    const check = gh.addCheckRun({
      name: key === 'default' ? 'Devin' : `Devin (${key})`,
      headSha: w.headSha,
      app: w.bot.replace(/\[bot\]$/, ''),
      status: 'in_progress',
      externalId: id,
      output: { title: 'Devin session started', summary: 'Started.' }
    })
    const own = withTracking(
      [
        'github-action',
        `gh:${w.slug}#${s.pr}:${key}`,
        `gh-run:${w.slug}:${1000 + s.pr}.1:${key}`,
        repoTag(w.slug),
        prTag(w.slug, s.pr)
      ],
      w.slug,
      { shown: shownKey(s.shown), commentId: comment.id, checkId: check.id, live: true }
    )
    const stored = devin.sessions.get(id)
    if (stored) stored.state.tags = s.tags ? s.tags(own) : own
    return { id, pr: s.pr, commentId: comment.id, checkId: check.id }
  })
}

export { liveTag }
