/**
 * The target of a handoff: which repository, branch, commits and pull request the run is about.
 * Resolved once from the event (and, where the event lacks it, the GitHub API); everything after
 * this point reads the target instead of the raw event payload.
 */

import { ciTarget, type CiRun, type CommitPullsLookup } from './ci-target.js'
import type { EventPayload, PullRequestPayload, RunContext } from './context.js'

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
