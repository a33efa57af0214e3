/**
 * The target of a `workflow_run` event (a CI run that failed): the run's PR and its failing
 * commit. GitHub lists only same-repository PRs on the event, so a fork's PR is found by the head
 * SHA; that association can lag behind the event, so the lookup is tried a few times.
 */
import type { RunContext, WorkflowRunPayload } from './context.js'
import type { PullFetcher, Skip, Target, TargetOptions } from './target.js'

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

/** PR numbers whose head is `sha` (`GET /repos/{o}/{r}/commits/{sha}/pulls`). */
export type CommitPullsLookup = (sha: string) => Promise<Array<{ number: number; state?: string }>>

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

/** The open PR whose head is the run's commit, asking again while GitHub has not linked it. */
async function prOfCommit(
  sha: string,
  lookup: CommitPullsLookup,
  sleep: (ms: number) => Promise<void>
): Promise<number | undefined> {
  for (let i = 0; ; i++) {
    const pulls = (await lookup(sha)).filter((p) => p.state === undefined || p.state === 'open')
    if (pulls.length > 0) return Math.min(...pulls.map((p) => p.number))
    const wait = PR_LOOKUP_WAITS_MS[i]
    if (wait === undefined) return undefined
    await sleep(wait)
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
  const listed = raw.pull_requests?.find((p) => typeof p.number === 'number')?.number
  const number =
    opts.prNumber ?? listed ?? (await prOfCommit(run.headSha, deps.pullsForCommit, sleep))
  const slug = `${ctx.owner}/${ctx.repo}`
  if (number !== undefined) {
    const t = deps.fromPull(await deps.fetchPull(number))
    // The failing commit, not the PR's head now: a later push is not what failed.
    return { ...t, eventName: ctx.eventName, headSha: run.headSha, ci: run }
  }
  return {
    owner: ctx.owner,
    repo: ctx.repo,
    slug,
    eventName: ctx.eventName,
    headRef: run.headBranch,
    headSha: run.headSha,
    baseRef: opts.baseRef,
    baseSha: '',
    ci: run
  }
}
