/**
 * A repository's sessions laid out in both emulators as handoff runs that did not wait leave
 * them (for the sync's end-to-end tests and its bench): in Devin, a session with the handoff's tags (src/session/tags.ts) moved by its tag write
 * (src/state/tracking.ts `withTracking`: what its comment and check run show, their ids, live);
 * on GitHub, its sticky comment as the handoff renders it (marker, report, hidden state line),
 * written by the token's own bot, and its check run, created by the token's App and in progress.
 *
 * Everything is seeded, not requested: the emulators' request logs and write counters start
 * with the sync's own requests. The bench imports it once the hooks that load `src/` are
 * registered.
 */
import { commentBody } from '../../src/egress/comment.ts'
import { linkHosts } from '../../src/egress/markdown.ts'
import { withMarker } from '../../src/github/sticky-comment.ts'
import { checkName, renderCheck } from '../../src/report/check.ts'
import { renderComment } from '../../src/report/render.ts'
import type { Inputs } from '../../src/run/inputs.ts'
import type { RunContext } from '../../src/run/context.ts'
import type { Target } from '../../src/run/target.ts'
import { sessionTags } from '../../src/session/tags.ts'
import { RunState } from '../../src/state/run-state.ts'
import { shownKey, withTracking } from '../../src/state/tracking.ts'
import type { DevinEmulator } from '../emulators/devin.ts'
import type { GitHubEmulator, PullFixture } from '../emulators/github.ts'
import { ACTIONS_BOT, KEY, stateOf, type SeedSpec, type Seeded } from '../unit/sync/fakes.ts'

const SERVER = 'https://github.com'
const APP = ACTIONS_BOT.replace(/\[bot\]$/, '')
const LINKS = linkHosts(SERVER)
/** The handoff's scrub: the bench's reports hold no credential. */
const scrub = (text: string): string => text
/** The handoffs ran half an hour before the bench. */
const T0 = Date.now() - 30 * 60_000

/** A distinct head commit per PR, so each check run lists its own PR. */
export const headSha = (pr: number): string => pr.toString(16).padStart(40, 'c')

/** Open PRs 1…n, one per session: one sticky comment per PR and key, as a repository has. */
export function pullsFor(n: number, slug: string): PullFixture[] {
  return Array.from({ length: n }, (_, i) => ({
    number: i + 1,
    head: { ref: `feature-${i + 1}`, sha: headSha(i + 1), repo: slug },
    base: { ref: 'main', sha: 'b'.repeat(40) }
  }))
}

/** The report a handoff that did not wait ends with: the session as it saw it, shown on both. */
function handoffState(id: string, spec: SeedSpec, pr: number, slug: string): RunState {
  const state = new RunState(
    { slug, runUrl: `${SERVER}/${slug}/actions/runs/${1000 + pr}`, commentKey: KEY },
    () => T0
  )
  state.targetFound({ prNumber: pr, headRef: `feature-${pr}` })
  state.packingBegan()
  const handoff = { promptBytes: 2048, files: 3, source: 'pr', truncated: false }
  state.packed(
    { ...handoff, omitted: 0, redactions: 0 },
    { target: { headRef: `feature-${pr}` }, requestedBy: { login: 'octocat', text: 'fix it' } }
  )
  const { shown } = spec
  const view = {
    id,
    url: `https://app.devin.ai/sessions/${id}`,
    status: shown.status,
    detail: shown.detail,
    acus: 0,
    pullRequests: [...shown.pullRequests]
  }
  state.sessionStarted(view, 'created', { orgId: 'org' })
  state.endedAsStarted()
  return state
}

/** The handoff's own tags for this PR (src/session/tags.ts), the live tag included. */
function createTags(slug: string, pr: number): string[] {
  const [owner = '', repo = ''] = slug.split('/')
  const inputs = { commentKey: KEY, tags: [] } as Pick<Inputs, 'commentKey' | 'tags'>
  const target = { slug, headRef: `feature-${pr}`, pr: { number: pr } } as Pick<
    Target,
    'slug' | 'headRef' | 'pr'
  >
  const ctx: Pick<RunContext, 'owner' | 'repo' | 'runId' | 'runAttempt'> = {
    owner,
    repo,
    runId: String(1000 + pr),
    runAttempt: '1'
  }
  return sessionTags(inputs as Inputs, target as Target, ctx as RunContext, { shown: true })
}

/**
 * One session per spec, on PR `spec.pr ?? i + 1`; `spec.tags` rewrites the finished tags (other
 * repositories', not the action's). Returns the ids, to count what the sync did to each.
 */
export function seedEmulators(
  devin: DevinEmulator,
  github: GitHubEmulator,
  specs: SeedSpec[]
): Seeded[] {
  const slug = github.slug
  const ids = devin.seedSessions(
    specs.map((s, i) => ({
      prompt: `task ${i}`,
      tags: [],
      state: { ...stateOf(s.now ?? s.shown), messages: s.messages }
    }))
  )
  return specs.map((spec, i) => {
    const id = ids[i] as string
    const pr = spec.pr ?? i + 1
    const state = handoffState(id, spec, pr, slug)
    const by = spec.by ?? ACTIONS_BOT
    const comment =
      spec.comment === false
        ? undefined
        : github.addComment({ issue: pr, body: '', login: by, type: 'Bot' })
    if (comment) state.commentWritten(`${SERVER}/${slug}/pull/${pr}#issuecomment-${comment.id}`)
    let checkId: number | undefined
    if (spec.check !== false) {
      const text = renderCheck(state.report, LINKS)
      const run = github.addCheckRun({
        name: checkName(KEY),
        headSha: headSha(pr),
        app: APP,
        status: text.status,
        externalId: id,
        detailsUrl: state.report.session?.url,
        output: { title: text.title, summary: commentBody(text.summary, scrub) }
      })
      checkId = run.id
      state.checkWritten(`${SERVER}/${slug}/runs/${run.id}`)
    }
    if (comment)
      comment.body = withMarker(KEY, commentBody(renderComment(state.report, LINKS, scrub), scrub))
    const tags = withTracking(createTags(slug, pr), slug, {
      shown: shownKey(spec.shown),
      commentId: spec.commentTag === false ? undefined : comment?.id,
      checkId,
      live: true
    })
    const stored = devin.sessions.get(id)
    if (stored) stored.state.tags = spec.tags ? spec.tags(tags) : tags
    return { id, commentId: comment?.id, checkId }
  })
}
