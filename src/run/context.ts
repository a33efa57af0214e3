/**
 * The runner's environment and the event payload. This mirrors `@actions/github`'s Context, but
 * that module loads Octokit as a side effect, and runs that write no comment must not pay for it.
 */
import { readFileSync, existsSync } from 'node:fs'
import type { PullRequestPayload } from '../github/types.js'

export type { PullRequestPayload } from '../github/types.js'

/** The parts of webhook payloads the action reads; everything else is passed through untyped. */
export interface EventPayload {
  action?: string
  number?: number
  before?: string
  after?: string
  ref?: string
  created?: boolean
  forced?: boolean
  deleted?: boolean
  sender?: { login?: string; type?: string }
  repository?: { full_name?: string; default_branch?: string; private?: boolean }
  pull_request?: PullRequestPayload
  issue?: {
    number?: number
    pull_request?: { url?: string; html_url?: string }
    user?: { login?: string }
  }
  comment?: {
    id?: number
    body?: string
    user?: { login?: string; type?: string }
    html_url?: string
    /** Set when an App wrote the comment (`github-actions` for the default token). */
    performed_via_github_app?: { slug?: string } | null
  }
  inputs?: Record<string, unknown>
  /** `workflow_run`: the run that completed (a CI failure to hand off). */
  workflow_run?: WorkflowRunPayload
  [key: string]: unknown
}

/** The fields of a `workflow_run` event's run the action reads. */
export interface WorkflowRunPayload {
  id?: number
  name?: string | null
  path?: string
  workflow_id?: number
  html_url?: string
  head_sha?: string
  head_branch?: string | null
  conclusion?: string | null
  run_attempt?: number
  event?: string
  /** Same-repository PRs only: a fork's PR is not listed (it is found by the head SHA). */
  pull_requests?: Array<{ number?: number; head?: { sha?: string } }> | null
}

export interface RunContext {
  eventName: string
  payload: EventPayload
  owner: string
  repo: string
  /** GITHUB_SHA and GITHUB_REF of the run. */
  sha: string
  ref: string
  actor: string
  triggeringActor: string
  workspace: string
  serverUrl: string
  apiUrl: string
  runId: string
  runAttempt: string
  runNumber: string
  workflow: string
  /** GITHUB_WORKFLOW_REF: `owner/repo/.github/workflows/x.yml@ref`, the file this run runs. */
  workflowRef?: string
  job: string
  /** Link to this workflow run, for the prompt, the comment and the summary. */
  runUrl: string
}

export class ContextError extends Error {}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const eventPath = env.GITHUB_EVENT_PATH
  let payload: EventPayload = {}
  if (eventPath && existsSync(eventPath)) {
    try {
      payload = JSON.parse(readFileSync(eventPath, 'utf8')) as EventPayload
    } catch (err) {
      throw new ContextError(
        `Cannot parse the event payload at GITHUB_EVENT_PATH: ${(err as Error).message}`
      )
    }
  }
  const repository = env.GITHUB_REPOSITORY || payload.repository?.full_name || ''
  const [owner = '', repo = ''] = repository.split('/')
  if (!owner || !repo) {
    throw new ContextError(
      'GITHUB_REPOSITORY is not set; run the action inside a GitHub Actions job'
    )
  }
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const runId = env.GITHUB_RUN_ID ?? ''
  const runAttempt = env.GITHUB_RUN_ATTEMPT || '1'
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    owner,
    repo,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    triggeringActor: env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR || '',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    serverUrl,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    runId,
    runAttempt,
    runNumber: env.GITHUB_RUN_NUMBER ?? '',
    workflow: env.GITHUB_WORKFLOW ?? '',
    workflowRef: env.GITHUB_WORKFLOW_REF ?? '',
    job: env.GITHUB_JOB ?? '',
    runUrl: runId
      ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}${runAttempt !== '1' ? `/attempts/${runAttempt}` : ''}`
      : ''
  }
}
