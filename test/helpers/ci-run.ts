/**
 * A failed CI run as the CI-failure e2e tests meet it: the `workflow_run` event and its runner
 * environment, and job logs as GitHub serves them.
 */
import type { PullRequestCheckout } from './checkout.ts'
import { person, repository, SLUG } from './events.ts'
import { REPO } from './scenario.ts'

/** The stamp GitHub puts before every line of a job's log. */
const LOG_STAMP = '2024-05-01T12:00:00.0000000Z'
const CI_PATH = '.github/workflows/ci.yml'

/** A job's log as GitHub serves it: each line stamped, a line break after the last. */
export const jobLog = (lines: string[]): string => lines.map((l) => `${LOG_STAMP} ${l}\n`).join('')

/** A failed job's log: `setup` lines of noise, then `lines`, then the exit GitHub logs last. */
export function failingLog(lines: string[], setup = 0): string {
  const noise = Array.from({ length: setup }, (_, i) => `setup line ${i + 1}`)
  return jobLog([...noise, ...lines, '##[error]Process completed with exit code 1.'])
}

export interface WorkflowRunOptions {
  /** The run's id (the GitHub emulator's run of the same id serves its jobs). */
  id: number
  /** Default `failure`. */
  conclusion?: string
  /** The PRs the run lists (default the checkout's): `[]` as for a fork's run. */
  pulls?: number[]
}

export interface WorkflowRunEvent {
  eventName: 'workflow_run'
  payload: Record<string, unknown>
  env: Record<string, string>
}

/**
 * The `workflow_run` event GitHub sends when the `CI` workflow completes on the PR's head, and
 * the runner's environment of the action's own workflow, which runs on the default branch.
 */
export function workflowRunEvent(c: PullRequestCheckout, o: WorkflowRunOptions): WorkflowRunEvent {
  const repo = { id: 1, name: REPO, url: '' }
  const pulls = (o.pulls ?? [c.prNumber]).map((n) => ({
    id: 9000 + n,
    number: n,
    url: `https://api.github.com/repos/${SLUG}/pulls/${n}`,
    head: { ref: c.headRef, sha: c.headSha, repo },
    base: { ref: c.baseRef, sha: c.baseSha, repo }
  }))
  const alice = person('alice')
  return {
    eventName: 'workflow_run',
    payload: {
      action: 'completed',
      workflow_run: {
        id: o.id,
        name: 'CI',
        path: CI_PATH,
        workflow_id: 11,
        html_url: `https://github.com/${SLUG}/actions/runs/${o.id}`,
        head_sha: c.headSha,
        head_branch: c.headRef,
        status: 'completed',
        conclusion: o.conclusion ?? 'failure',
        run_attempt: 1,
        event: 'pull_request',
        pull_requests: pulls,
        actor: alice,
        triggering_actor: alice
      },
      workflow: { id: 11, name: 'CI', path: CI_PATH },
      repository,
      sender: alice
    },
    env: {
      GITHUB_ACTOR: 'alice',
      GITHUB_TRIGGERING_ACTOR: 'alice',
      // A workflow_run runs on the default branch: its GITHUB_SHA is not the failing commit.
      GITHUB_SHA: c.baseSha,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_WORKFLOW_REF: `${SLUG}/.github/workflows/devin-ci.yml@refs/heads/main`
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Checkouts
