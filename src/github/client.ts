/**
 * The GitHub REST edge. Octokit is imported on first use only: a run that needs no GitHub call
 * (dry run, no PR, `comment: false`) does not pay its load time. It sends through the network
 * the Devin client uses too (../net/dispatcher.ts): the same proxy and the same timeouts.
 * How Octokit is built, and which calls it retries, is ./octokit.ts.
 */
import { sharedNetwork, type Network } from '../net/dispatcher.js'
import { requestTimeoutMs } from '../net/timeouts.js'
import {
  PERMISSIONS,
  type CheckRunCreate,
  type CheckRunPayload,
  type CheckRunRequest,
  type IssueComment,
  type Permission,
  type PullFile as PullFileEntry,
  type PullRequestPayload
} from './types.js'
import { buildOctokit, isRateLimit, type Octokit, type RequestErrorLike } from './octokit.js'
import {
  jobLog,
  listRunJobs,
  pullsForCommit,
  type CommitPull,
  type JobLog,
  type RunJob
} from './actions.js'

/** One row of `pulls/{n}/files`, as the packer's API fallback reads it. */
export type {
  CheckRunCreate,
  CheckRunPayload,
  CheckRunRequest,
  IssueComment,
  PullFile as PullFileEntry
} from './types.js'
export { permissionAtLeast } from './types.js'
export { githubErrorMessage } from './errors.js'
export type { RunJob } from './actions.js'

export interface GitHubApi {
  getPull(number: number): Promise<PullRequestPayload>
  pullFiles(number: number): AsyncIterable<PullFileEntry>
  permissionOf(login: string): Promise<Permission>
  /**
   * Login of the token's identity, for telling our comments from look-alikes; undefined for an
   * App installation token, which `GET /user` does not answer (see ./identity.ts).
   */
  whoAmI(): Promise<string | undefined>
  listComments(issue: number): AsyncIterable<IssueComment>
  /**
   * The comments of every issue and PR of the repository updated at or after `since` (ISO),
   * latest update first, every page: how `mode: sync` finds reviews' comments without knowing
   * their PRs. The caller stops reading when it has enough; no page is asked for before it is read.
   */
  listRepoComments(o: { since: string; perPage?: number }): AsyncIterable<IssueComment>
  /** One comment by id; undefined when GitHub has none (deleted, or never this repository's). */
  getComment(id: number): Promise<IssueComment | undefined>
  createComment(issue: number, body: string): Promise<IssueComment>
  updateComment(id: number, body: string): Promise<IssueComment>
  deleteComment(id: number): Promise<void>
  react(kind: 'issue' | 'review', commentId: number, content: string): Promise<void>
  /** Sent once: a create whose outcome is unknown is looked for (findCheckRuns), not resent. */
  createCheckRun(req: CheckRunCreate): Promise<CheckRunPayload>
  /** Retried like any idempotent call: it sends the same fields again. */
  updateCheckRun(id: number, req: CheckRunRequest): Promise<CheckRunPayload>
  /** Every run named `name` on the commit `ref`: each App's, each attempt's, every page. */
  findCheckRuns(ref: string, name: string): Promise<CheckRunPayload[]>
  /** The jobs of a workflow run's latest attempt (`filter=latest`), every page. */
  listRunJobs(runId: number): Promise<RunJob[]>
  /**
   * The last `maxBytes` bytes of a job's log (needs `actions: read`), read through the signed
   * link GitHub redirects to, without the token; reading stops after `maxTotalBytes` (50 MB).
   * Fails with {@link JobLogError} (status, the host's detail, never the link's signature).
   */
  jobLog(jobId: number, maxBytes: number, o?: { maxTotalBytes?: number }): Promise<JobLog>
  /** The PRs GitHub associates with a commit; `[]` can mean it has not caught up yet. */
  pullsForCommit(sha: string): Promise<CommitPull[]>
}

/**
 * GitHub App installation tokens start so: the default `GITHUB_TOKEN` and the ones
 * actions/create-github-app-token makes. `GET /user` is closed to them, so it is not asked.
 */
export function isInstallationToken(token: string): boolean {
  return token.startsWith('ghs_')
}

function toPermission(raw: string | undefined, role: string | undefined): Permission {
  // `permission` folds triage into read and maintain into write; `role_name` keeps them.
  for (const value of [role, raw]) {
    if (value && (PERMISSIONS as readonly string[]).includes(value)) return value as Permission
  }
  return 'none'
}

/**
 * `GET /user`'s login, or undefined where it cannot answer: an installation token whose prefix
 * is not known (older tokens, proxies) gets a 403 that is no rate limit; some proxies answer 404.
 */
async function userLogin(octokit: Octokit): Promise<string | undefined> {
  try {
    return (await octokit.request('GET /user')).data.login
  } catch (err) {
    const e = err as RequestErrorLike
    if (e.status === 404 || (e.status === 403 && !isRateLimit(e))) return undefined
    throw err
  }
}

export async function createGitHubApi(opts: {
  token: string
  owner: string
  repo: string
  apiUrl: string
  /** Per attempt; {@link requestTimeoutMs} by default. */
  requestTimeoutMs?: number
  /** How long one second of a wait (a `Retry-After`, a backoff step) lasts: 1000; tests shrink it. */
  retryAfterBaseMs?: number
  /** Where rate-limit waits are reported. */
  log?: (message: string) => void
  /** The process's shared network by default (see ../net/dispatcher.ts). */
  network?: Network
}): Promise<GitHubApi> {
  const network = opts.network ?? sharedNetwork()
  const timeoutMs = opts.requestTimeoutMs ?? requestTimeoutMs()
  const octokit = await buildOctokit(opts.token, opts.apiUrl, {
    timeoutMs,
    retryAfterBaseMs: opts.retryAfterBaseMs ?? 1000,
    log: opts.log ?? (() => undefined),
    network
  })
  const { owner, repo } = opts
  const r = { owner, repo }
  let me: { login?: string } | undefined
  // Route strings rather than the REST method plugin: same requests, same types, without
  // compiling ~80 KB of endpoint tables on every run.
  return {
    async getPull(number) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...r,
        pull_number: number
      })
      return data as PullRequestPayload
    },
    async *pullFiles(number) {
      const pages = octokit.paginate.iterator(
        'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
        {
          ...r,
          pull_number: number,
          per_page: 100
        }
      )
      for await (const page of pages) yield* page.data as PullFileEntry[]
    },
    async permissionOf(user) {
      try {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
          { ...r, username: user }
        )
        return toPermission(data.permission, (data as { role_name?: string }).role_name)
      } catch (err) {
        if ((err as RequestErrorLike).status === 404) return 'none'
        throw err
      }
    },
    async whoAmI() {
      me ??= { login: isInstallationToken(opts.token) ? undefined : await userLogin(octokit) }
      return me.login
    },
    async *listComments(issue) {
      const pages = octokit.paginate.iterator(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        {
          ...r,
          issue_number: issue,
          per_page: 100
        }
      )
      for await (const page of pages) yield* page.data as IssueComment[]
    },
    async *listRepoComments({ since, perPage = 100 }) {
      const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues/comments', {
        ...r,
        sort: 'updated',
        direction: 'desc',
        since,
        per_page: perPage
      })
      for await (const page of pages) yield* page.data as IssueComment[]
    },
    async getComment(id) {
      try {
        const { data } = await octokit.request(
          'GET /repos/{owner}/{repo}/issues/comments/{comment_id}',
          { ...r, comment_id: id }
        )
        return data as IssueComment
      } catch (err) {
        if ((err as RequestErrorLike).status === 404) return undefined
        throw err
      }
    },
    async createComment(issue, body) {
      const { data } = await octokit.request(
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
        {
          ...r,
          issue_number: issue,
          body
        }
      )
      return data as IssueComment
    },
    async updateComment(id, body) {
      const { data } = await octokit.request(
        'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
        {
          ...r,
          comment_id: id,
          body
        }
      )
      return data as IssueComment
    },
    async deleteComment(id) {
      await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        ...r,
        comment_id: id
      })
    },
    async react(kind, commentId, content) {
      const route =
        kind === 'issue'
          ? 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions'
          : 'POST /repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions'
      await octokit.request(route, { ...r, comment_id: commentId, content: content as '+1' })
    },
    async createCheckRun(req) {
      // Octokit types the body as a union keyed on `status`; the fields sent are GitHub's own.
      const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        ...r,
        ...req
      } as never)
      return data as CheckRunPayload
    },
    async updateCheckRun(id, req) {
      const { data } = await octokit.request(
        'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
        { ...r, check_run_id: id, ...req } as never
      )
      return data as CheckRunPayload
    },
    async findCheckRuns(ref, name) {
      const pages = octokit.paginate.iterator(
        'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
        // `all`: the default keeps only each App's latest run of a name, maybe not ours.
        { ...r, ref, check_name: name, filter: 'all', per_page: 100 }
      )
      const found: CheckRunPayload[] = []
      for await (const page of pages) found.push(...(page.data as CheckRunPayload[]))
      return found
    },
    listRunJobs: (runId) => listRunJobs(octokit, r, runId),
    jobLog: (jobId, maxBytes, o = {}) =>
      jobLog(octokit, network, r, jobId, maxBytes, { ...o, timeoutMs }),
    pullsForCommit: (sha) => pullsForCommit(octokit, r, sha)
  }
}
