/**
 * The target of a handoff: which repository, branch, commits and pull request the run is about.
 * Resolved once from the event (and, where the event lacks it, the GitHub API); everything after
 * this point reads the target instead of the raw event payload.
 */

import type { EventPayload, PullRequestPayload, RunContext, WorkflowRunPayload } from './context.js'

export interface PullRequestInfo {
  number: number
  /** Web URL of the PR (html_url). */
  url: string
  title: string
  body: string
  author: string
  /** True when the head lives in another repository than the base. */
  isFork: boolean
  /** `owner/repo` of the head repository. */
  headRepo: string
  draft: boolean
}

export interface Target {
  owner: string
  repo: string
  /** `owner/repo`. */
  slug: string
  eventName: string
  /** Branch name the work is on (PR head branch, pushed branch, or the checked-out ref). */
  headRef: string
  headSha: string
  /** Branch the change is measured against, when there is one. */
  baseRef: string
  /** Commit the change is measured against; empty when there is no diff of commits. */
  baseSha: string
  pr?: PullRequestInfo
  /** `workflow_run`: the failed CI run being handed off. */
  ci?: CiRun
}

export const ZERO_SHA = /^0+$/

/** A run that has nothing to hand off ends as a skip, not a failure. */
export interface Skip {
  skip: string
}

export type PullFetcher = (number: number) => Promise<PullRequestPayload>

export interface TargetOptions {
  /** `base-ref` input; overrides the event's base. */
  baseRef: string
  /** `pr-number` input, for events that carry no PR. */
  prNumber?: number
}

const SUPPORTED = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review_comment',
  'issue_comment',
  'push',
  'schedule',
  'workflow_dispatch',
  'workflow_run'
])

export function branchOf(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '')
}

/** Pure: the PR part of a target from a pulls payload (event or API). */
export function pullInfo(pr: PullRequestPayload, slug: string): PullRequestInfo {
  const headRepo = pr.head?.repo?.full_name ?? ''
  return {
    number: pr.number ?? 0,
    url: pr.html_url ?? '',
    title: pr.title ?? '',
    body: pr.body ?? '',
    author: pr.user?.login ?? '',
    // A deleted head repository (null) is treated as a fork: its code is not ours to trust.
    isFork:
      pr.head?.repo === null || (headRepo !== '' && headRepo.toLowerCase() !== slug.toLowerCase()),
    headRepo,
    draft: pr.draft ?? false
  }
}

function fromPull(ctx: RunContext, pr: PullRequestPayload, opts: TargetOptions): Target {
  const slug = `${ctx.owner}/${ctx.repo}`
  return {
    owner: ctx.owner,
    repo: ctx.repo,
    slug,
    eventName: ctx.eventName,
    headRef: pr.head?.ref ?? '',
    headSha: pr.head?.sha ?? '',
    baseRef: opts.baseRef || pr.base?.ref || '',
    baseSha: opts.baseRef ? '' : (pr.base?.sha ?? ''),
    pr: pullInfo(pr, slug)
  }
}

function prNumberFromEvent(ctx: RunContext): number | undefined {
  const p: EventPayload = ctx.payload
  if (ctx.eventName === 'issue_comment') {
    return p.issue?.pull_request ? p.issue.number : undefined
  }
  return undefined
}

/**
 * Works out repo, head, base and PR from the event. The PR is read through the API only where
 * the event does not carry it (comments on a PR, dispatch/schedule/push with `pr-number`).
 */
export async function resolveTarget(
  ctx: RunContext,
  opts: TargetOptions,
  fetchPull: PullFetcher,
  pullsForCommit?: CommitPullsLookup
): Promise<Target | Skip> {
  if (!SUPPORTED.has(ctx.eventName)) {
    return { skip: `unsupported event '${ctx.eventName}'` }
  }
  if (ctx.eventName === 'workflow_run') {
    const lookup = pullsForCommit ?? (async () => [])
    const fromPr = (pr: PullRequestPayload) => fromPull(ctx, pr, opts)
    return ciTarget(ctx, opts, { fetchPull, pullsForCommit: lookup, fromPull: fromPr })
  }
  const p = ctx.payload
  if (p.pull_request && ctx.eventName !== 'issue_comment') {
    return fromPull(ctx, p.pull_request, opts)
  }
  const number = prNumberFromEvent(ctx) ?? opts.prNumber
  if (number !== undefined) {
    return fromPull(ctx, await fetchPull(number), opts)
  }
  if (ctx.eventName === 'issue_comment') {
    return {
      skip: "issue_comment on an issue that is not a pull request (set 'pr-number' to act on a PR)"
    }
  }
  const slug = `${ctx.owner}/${ctx.repo}`
  const base = { owner: ctx.owner, repo: ctx.repo, slug, eventName: ctx.eventName }
  if (ctx.eventName === 'push') {
    if (p.deleted) return { skip: 'no change: the push deleted the branch' }
    const after = p.after ?? ctx.sha
    const before = p.before ?? ''
    const newBranch = before === '' || ZERO_SHA.test(before)
    return {
      ...base,
      headRef: branchOf(p.ref ?? ctx.ref),
      headSha: after,
      // A new branch has no `before`: measure it against the default branch instead.
      baseRef: opts.baseRef || (newBranch ? (p.repository?.default_branch ?? '') : ''),
      baseSha: opts.baseRef || newBranch ? '' : before
    }
  }
  return {
    ...base,
    headRef: branchOf(ctx.ref),
    headSha: ctx.sha,
    baseRef: opts.baseRef,
    baseSha: ''
  }
}

export function isSkip(value: Target | Skip): value is Skip {
  return 'skip' in value
}

// ---- workflow_run: a CI run that failed ----
// GitHub lists only same-repository PRs on the event, so a fork's PR is found by the head SHA;
// that association can lag behind the event, so the lookup is tried a few times.

/** The failed run, as the prompt, the run tag and the report name it. */
export interface CiRun {
  id: number
  name: string
  /** `.github/workflows/ci.yml`: what tells one workflow from another. */
  path: string
  url: string
  headSha: string
  headBranch: string
  attempt: number
}

/** The PRs that have `sha` (`GET /repos/{o}/{r}/commits/{sha}/pulls`). */
type CommitPullsLookup = (
  sha: string
) => Promise<Array<{ number: number; state?: string; head?: { sha?: string } }>>

/** Waits before the 2nd and 3rd lookup: GitHub links a pushed commit to its PR within seconds. */
export const PR_LOOKUP_WAITS_MS = [2_000, 4_000]

export function ciRunOf(run: WorkflowRunPayload | undefined): CiRun | undefined {
  if (!run || typeof run.id !== 'number' || !run.head_sha) return undefined
  return {
    id: run.id,
    name: run.name ?? run.path ?? 'workflow',
    path: run.path ?? '',
    url: run.html_url ?? '',
    headSha: run.head_sha,
    headBranch: run.head_branch ?? '',
    attempt: run.run_attempt ?? 1
  }
}

/**
 * The open PR whose head is the run's commit (a PR that merely contains it is another's work),
 * asking again while GitHub has not linked it, when the run came from a PR at all.
 */
async function prOfCommit(
  sha: string,
  lookup: CommitPullsLookup,
  o: { sleep: (ms: number) => Promise<void>; fromPr: boolean }
): Promise<number | undefined> {
  for (let i = 0; ; i++) {
    const pulls = (await lookup(sha)).filter(
      (p) => (p.state === undefined || p.state === 'open') && p.head?.sha === sha
    )
    if (pulls.length > 0) return Math.min(...pulls.map((p) => p.number))
    const wait = o.fromPr ? PR_LOOKUP_WAITS_MS[i] : undefined
    if (wait === undefined) return undefined
    await o.sleep(wait)
  }
}

export async function ciTarget(
  ctx: RunContext,
  opts: TargetOptions,
  deps: {
    fetchPull: PullFetcher
    pullsForCommit: CommitPullsLookup
    fromPull: (pr: Awaited<ReturnType<PullFetcher>>) => Target
    sleep?: (ms: number) => Promise<void>
  }
): Promise<Target | Skip> {
  const raw = ctx.payload.workflow_run
  const run = ciRunOf(raw)
  if (!run) return { skip: 'a workflow_run event without its run' }
  if (raw?.conclusion !== 'failure')
    return {
      skip: `the workflow run '${run.name}' did not fail (conclusion: ${raw?.conclusion ?? 'none'})`
    }
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  // Listed only for same-repository PRs, and only those whose head is the failing commit count.
  const listed = raw.pull_requests?.find(
    (p) => typeof p.number === 'number' && (p.head?.sha === undefined || p.head.sha === run.headSha)
  )?.number
  const fromPr = raw.event === 'pull_request' || raw.event === 'pull_request_target'
  const number =
    opts.prNumber ??
    listed ??
    (await prOfCommit(run.headSha, deps.pullsForCommit, { sleep, fromPr }))
  const slug = `${ctx.owner}/${ctx.repo}`
  if (number === undefined)
    // Budgets and the loop they break are counted per PR: a failure no PR owns (a push to a
    // branch, a fork's commit whose PR is gone) is not handed off.
    return {
      skip: `no open pull request of ${slug} has the failed run's commit ${run.headSha.slice(0, 7)} as its head`
    }
  const t = deps.fromPull(await deps.fetchPull(number))
  // The failing commit, not the PR's head now: a later push is not what failed.
  return { ...t, eventName: ctx.eventName, headSha: run.headSha, ci: run }
}
