/**
 * The GitHub REST edge. Octokit is imported on first use only: a run that needs no GitHub call
 * (dry run, no PR, `comment: false`) does not pay its load time.
 */
import {
  PERMISSIONS,
  type IssueComment,
  type Permission,
  type PullFile as PullFileEntry,
  type PullRequestPayload
} from './types.js'

/** One row of `pulls/{n}/files`, as the packer's API fallback reads it. */
export type { IssueComment, PullFile as PullFileEntry } from './types.js'
export { permissionAtLeast } from './types.js'

export interface GitHubApi {
  getPull(number: number): Promise<PullRequestPayload>
  pullFiles(number: number): AsyncIterable<PullFileEntry>
  permissionOf(login: string): Promise<Permission>
  /** Login of the token's identity, for telling our comments from look-alikes. */
  whoAmI(): Promise<string>
  listComments(issue: number): AsyncIterable<IssueComment>
  createComment(issue: number, body: string): Promise<IssueComment>
  updateComment(id: number, body: string): Promise<IssueComment>
  deleteComment(id: number): Promise<void>
  react(kind: 'issue' | 'review', commentId: number, content: string): Promise<void>
}

/** The token's identity when `GET /user` is refused, as it is for the default installation token. */
export const DEFAULT_BOT = 'github-actions[bot]'

interface RequestErrorLike {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined> }
}

export { githubErrorMessage } from './errors.js'

function toPermission(raw: string | undefined, role: string | undefined): Permission {
  // `permission` folds triage into read and maintain into write; `role_name` keeps them.
  for (const value of [role, raw]) {
    if (value && (PERMISSIONS as readonly string[]).includes(value)) return value as Permission
  }
  return 'none'
}

type Sleep = (ms: number) => Promise<void>

/** Methods whose repetition changes nothing more (a PATCH sends the same whole body again). */
const IDEMPOTENT = new Set(['GET', 'PUT', 'PATCH', 'DELETE'])

/** Waits the server asked for on secondary rate limits and 429, retries 5xx on idempotent calls. */
export function retryDelayMs(err: unknown, method: string, attempt: number): number | undefined {
  const e = err as RequestErrorLike
  const headers = e.response?.headers ?? {}
  const retryAfter = Number(headers['retry-after'])
  const limited =
    e.status === 429 ||
    (e.status === 403 &&
      (/rate limit/i.test(e.message ?? '') || headers['retry-after'] !== undefined))
  if (limited)
    return Number.isFinite(retryAfter) ? Math.min(retryAfter, 60) * 1000 : 2 ** attempt * 1000
  if (IDEMPOTENT.has(method) && e.status !== undefined && e.status >= 500) return 2 ** attempt * 500
  return undefined
}

/** Per attempt. Octokit ignores `request.timeout` since it moved to fetch; a signal is honoured. */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  // Undocumented, for the fault tests; main passes the same value to the Devin client.
  return Number(env.DEVIN_HANDOFF_REQUEST_TIMEOUT_MS) || 30_000
}

/**
 * A JSON answer that did not parse (a proxy cut it short): Octokit hands it back as a string.
 * Reported like a 502 so reads are retried and writes are treated as having an unknown outcome.
 */
function unreadable(res: { status: number; headers: Record<string, unknown>; data: unknown }) {
  const type = String(res.headers['content-type'] ?? '')
  if (res.status === 204 || !/json/i.test(type) || typeof res.data !== 'string') return undefined
  return Object.assign(new Error(`unreadable JSON in a ${res.status} answer`), { status: 502 })
}

/**
 * Octokit as `@actions/github` builds it: the REST and pagination plugins, and
 * `@actions/http-client`'s agent, which honours `HTTPS_PROXY` / `NO_PROXY` as the runner sets them.
 * Timeouts are set per attempt by the request hook in `createGitHubApi`.
 */
async function buildOctokit(token: string, baseUrl: string) {
  const { getOctokit } = await import('@actions/github')
  return getOctokit(token, { baseUrl, userAgent: 'devin-handoff-action' })
}

export async function createGitHubApi(opts: {
  token: string
  owner: string
  repo: string
  apiUrl: string
  sleep?: Sleep
}): Promise<GitHubApi> {
  const sleep: Sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  const octokit = await buildOctokit(opts.token, opts.apiUrl)
  const timeoutMs = requestTimeoutMs()
  octokit.hook.wrap('request', async (request, options) => {
    for (let attempt = 0; ; attempt++) {
      try {
        // Set on `options` itself: the hooks inside this one (auth) were bound to this object.
        options.request = { ...options.request, signal: AbortSignal.timeout(timeoutMs) }
        const res = await request(options)
        const bad = unreadable(res)
        if (bad) throw bad
        return res
      } catch (err) {
        const delay = attempt < 3 ? retryDelayMs(err, options.method, attempt) : undefined
        if (delay === undefined) throw err
        await sleep(delay)
      }
    }
  })
  const { owner, repo } = opts
  const r = { owner, repo }
  let login: string | undefined
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
      if (login) return login
      try {
        login = (await octokit.request('GET /user')).data.login
      } catch (err) {
        const status = (err as RequestErrorLike).status
        if (status !== 403 && status !== 404) throw err
        login = DEFAULT_BOT
      }
      return login
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
    }
  }
}
