/**
 * GitHub Actions reads for a CI-failure handoff: a run's jobs, a job's log, a commit's PRs.
 *
 * A job's log is behind a redirect: GitHub answers `302` with a short-lived signed `Location` on
 * another host. That link is followed here, not by fetch: it gets a plain request without the
 * token (the signature is the credential; the token has no business on a storage host), and its
 * body is streamed keeping only the end, where a failure is, within a bound on the total read.
 * A link that expired or was used already (the storage host answers 403/404) is asked for again.
 */
import type { Network } from '../net/dispatcher.js'
import type { buildOctokit } from './octokit.js'

/** Octokit as ./octokit.ts builds it: with the REST and pagination plugins. */
type Octokit = Awaited<ReturnType<typeof buildOctokit>>

/** One step of a job. */
export interface RunJobStep {
  name: string
  number: number
  conclusion: string | null
}

/** One job of a workflow run, as far as a CI handoff reads it. */
export interface RunJob {
  id: number
  name: string
  conclusion: string | null
  html_url: string | null
  steps: RunJobStep[]
}

/** A PR a commit belongs to, as `commits/{sha}/pulls` lists it. */
export interface CommitPull {
  number: number
  state: string
  html_url: string
  head: { ref: string; sha: string; repo: { full_name: string; fork: boolean } | null }
  base: { ref: string; sha: string }
}

/** The end of a job's log. */
export interface JobLog {
  /** The last at most `maxBytes` bytes read; may start inside a line or a UTF-8 character. */
  tail: Uint8Array
  /** Bytes read in all. */
  bytesRead: number
  /** True when bytes before `tail` were read and dropped (or never read: see `complete`). */
  cutBefore: boolean
  /**
   * False when the log was longer than the total bound and reading stopped there: `tail` is then
   * the end of what was read, not of the log.
   */
  complete: boolean
}

export interface JobLogOptions {
  /** Stop reading after this many bytes in all: 50 MB by default. */
  maxTotalBytes?: number
  /** Per attempt, until the answer's headers: the client's request timeout. */
  timeoutMs: number
}

/** How often a fresh link is asked for when the storage host refuses or fails one. */
const LINK_ATTEMPTS = 3
const MAX_TOTAL_LOG_BYTES = 50 * 1024 * 1024

type Repo = { owner: string; repo: string }

/** Keeps the last `max` bytes of a stream, holding at most `max` plus one chunk. */
class TailKeeper {
  private chunks: Uint8Array[] = []
  private kept = 0
  total = 0
  private readonly max: number

  constructor(max: number) {
    this.max = Math.max(0, Math.floor(max))
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length
    this.chunks.push(chunk)
    this.kept += chunk.length
    // Drop whole chunks from the front while what remains still covers `max`.
    while (this.chunks.length > 0 && this.kept - (this.chunks[0]?.length ?? 0) >= this.max) {
      this.kept -= this.chunks.shift()?.length ?? 0
    }
  }

  tail(): Uint8Array {
    const all = Buffer.concat(this.chunks)
    return all.subarray(Math.max(0, all.length - this.max))
  }
}

/** Everything after the host and path is the link's signature: never in a message. */
function linkForMessages(link: string): string {
  try {
    const u = new URL(link)
    return `${u.origin}${u.pathname}`
  } catch {
    return '(unparsable link)'
  }
}

/** `text` with the link's query values (its signature, its expiry) taken out. */
function hideQuery(text: string, link: string): string {
  let out = text
  try {
    for (const value of new URL(link).searchParams.values()) {
      for (const form of new Set([value, encodeURIComponent(value)]))
        if (form.length >= 6) out = out.split(form).join('***')
    }
  } catch {
    // An unparsable link has no query to hide.
  }
  return out
}

/** The storage host's error text, short and on one line, its markup and the link's query out. */
function serverDetail(text: string, link: string): string {
  const flat = hideQuery(text, link)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat
}

export class JobLogError extends Error {
  readonly status: number | undefined
  constructor(message: string, status?: number) {
    super(message)
    this.name = 'JobLogError'
    this.status = status
  }
}

/** `GET …/actions/runs/{run_id}/jobs?filter=latest`, every page. */
export async function listRunJobs(octokit: Octokit, r: Repo, runId: number): Promise<RunJob[]> {
  const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', {
    ...r,
    run_id: runId,
    filter: 'latest',
    per_page: 100
  })
  const jobs: RunJob[] = []
  for await (const page of pages) {
    for (const j of page.data as unknown as RunJob[]) {
      jobs.push({
        id: j.id,
        name: j.name,
        conclusion: j.conclusion,
        html_url: j.html_url,
        steps: (j.steps ?? []).map((s) => ({
          name: s.name,
          number: s.number,
          conclusion: s.conclusion
        }))
      })
    }
  }
  return jobs
}

/** `GET …/commits/{sha}/pulls`, every page. An empty list may only mean GitHub lags behind. */
export async function pullsForCommit(
  octokit: Octokit,
  r: Repo,
  sha: string
): Promise<CommitPull[]> {
  const pages = octokit.paginate.iterator('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
    ...r,
    commit_sha: sha,
    per_page: 100
  })
  const out: CommitPull[] = []
  for await (const page of pages) {
    for (const p of page.data) {
      out.push({
        number: p.number,
        state: p.state,
        html_url: p.html_url,
        head: {
          ref: p.head.ref,
          sha: p.head.sha,
          repo: p.head.repo ? { full_name: p.head.repo.full_name, fork: p.head.repo.fork } : null
        },
        base: { ref: p.base.ref, sha: p.base.sha }
      })
    }
  }
  return out
}

/** The signed link GitHub redirects a job's log to; not followed by fetch (see above). */
async function logLink(octokit: Octokit, r: Repo, jobId: number): Promise<string> {
  const res = await octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
    ...r,
    job_id: jobId,
    request: { redirect: 'manual' }
  })
  const location = (res.headers as Record<string, unknown>).location
  if (typeof location !== 'string' || location === '') {
    throw new JobLogError(
      `GitHub answered ${res.status} without a log link for job ${jobId}`,
      res.status
    )
  }
  return new URL(location, res.url || undefined).toString()
}

/** One download of a signed link: a plain GET, no token, headers within `timeoutMs`. */
async function download(
  network: Network,
  link: string,
  maxBytes: number,
  o: Required<JobLogOptions>
): Promise<JobLog> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), o.timeoutMs)
  let res: Awaited<ReturnType<Network['fetch']>>
  try {
    res = await network.fetch(link, { signal: ac.signal, redirect: 'follow' })
  } catch (err) {
    const why =
      err instanceof Error
        ? ((err.cause as Error | undefined)?.message ?? err.message)
        : String(err)
    throw new JobLogError(
      `job log download from ${linkForMessages(link)} failed: ${hideQuery(why, link)}`
    )
  } finally {
    clearTimeout(timer)
  }
  if (!res.ok || res.body === null) {
    const detail = serverDetail(await res.text().catch(() => ''), link)
    throw new JobLogError(
      `job log download from ${linkForMessages(link)} failed: ${res.status}${detail ? ` ${detail}` : ''}`,
      res.status
    )
  }
  const keeper = new TailKeeper(maxBytes)
  let complete = true
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    const room = o.maxTotalBytes - keeper.total
    keeper.push(value.length > room ? value.subarray(0, room) : value)
    if (keeper.total >= o.maxTotalBytes) {
      // Whatever follows is not read at all: the connection is let go.
      complete = false
      await reader.cancel().catch(() => undefined)
      break
    }
  }
  const tail = keeper.tail()
  return { tail, bytesRead: keeper.total, cutBefore: keeper.total > tail.length, complete }
}

/** Storage answers that a fresh link may cure: expired or used (403/404), or failing (5xx). */
const freshLinkHelps = (err: unknown): boolean => {
  const s = (err as JobLogError).status
  return s === undefined || s === 403 || s === 404 || s === 408 || s === 429 || s >= 500
}

/**
 * A job's log, its last `maxBytes` bytes: asks GitHub for the link (Octokit: token, retries,
 * rate limits), downloads it without the token, and asks again for a fresh link when that
 * download fails in a way a fresh link may cure, {@link LINK_ATTEMPTS} times at most.
 */
export async function jobLog(
  octokit: Octokit,
  network: Network,
  r: Repo,
  jobId: number,
  maxBytes: number,
  opts: JobLogOptions
): Promise<JobLog> {
  const o = { maxTotalBytes: opts.maxTotalBytes ?? MAX_TOTAL_LOG_BYTES, timeoutMs: opts.timeoutMs }
  let last: unknown
  for (let attempt = 1; attempt <= LINK_ATTEMPTS; attempt++) {
    const link = await logLink(octokit, r, jobId)
    try {
      return await download(network, link, maxBytes, o)
    } catch (err) {
      last = err
      if (!freshLinkHelps(err)) throw err
    }
  }
  throw last
}
