/**
 * The GitHub emulator's Actions slice for CI-failure handoffs: workflow runs and their jobs
 * (`filter=latest|all`), job logs behind a `302` to a second loopback server (the storage host
 * GitHub's signed links point at), and the commit→PR lookup, whose association can be scripted
 * to lag. The routes are registered by ./github.ts and held to GitHub's description like the
 * rest; the storage host is no GitHub API and is held to what GitHub documents of the link
 * instead: it is signed, short-lived, and takes no token.
 */

import type { components } from '@octokit/openapi-types'
import { ghError, nodeId } from './github-json.ts'
import type { Site } from './github-json.ts'
import { HttpEmulator } from './http.ts'
import type { EmuRequest, Reply } from './http.ts'

type Schemas = components['schemas']
export type JobJson = Schemas['job']
type JobConclusion = NonNullable<JobJson['conclusion']>

export interface StepFixture {
  name: string
  conclusion: JobConclusion | null
}

export interface JobFixture {
  /** Stable and unique by default (from the run, attempt and name). */
  id?: number
  name: string
  conclusion: JobConclusion | null
  /** Which attempt of the run this job ran in: 1 by default. */
  attempt?: number
  steps?: StepFixture[]
  /** The raw log; a few lines naming the job by default. */
  log?: string | Buffer
}

export interface WorkflowRunFixture {
  id: number
  /** The workflow's name: `CI` by default. */
  name?: string
  headSha: string
  headBranch: string
  jobs: JobFixture[]
}

export interface BlobOptions {
  /** How long a link lives (GitHub documents one minute). */
  ttlMs?: number
  /** How many downloads a link serves: 1 by default (then 403, as an expired one). */
  uses?: number
  /** The storage host's clock: tests move it instead of waiting. */
  now?: () => number
}

interface Link {
  jobId: number
  body: Buffer
  issuedAt: number
  uses: number
}

/** Azure Storage's error body: XML, as the real storage host answers. */
function storageError(status: number, code: string, message: string): Reply {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  return { status, headers: { 'content-type': 'application/xml' }, body }
}

/**
 * The host a job log's signed link points at. It refuses a request that carries a token (403),
 * a link past its time or its uses (403), and an unknown one (404). `requests` shows what it saw.
 */
export class BlobHost extends HttpEmulator {
  readonly links = new Map<string, Link>()
  ttlMs: number
  uses: number
  now: () => number
  private nextLink = 1

  constructor(o: BlobOptions = {}) {
    super({ errorReply: (status, message) => storageError(status, 'InvalidUri', message) })
    this.ttlMs = o.ttlMs ?? 60_000
    this.uses = o.uses ?? 1
    this.now = o.now ?? Date.now
    this.route('GET', '/logs/:token', (req) => this.serve(req))
  }

  /** A fresh signed link to `body`. */
  issue(jobId: number, body: Buffer): string {
    const token = `t${this.nextLink++}`
    this.links.set(token, { jobId, body, issuedAt: this.now(), uses: 0 })
    const expires = new Date(this.now() + this.ttlMs).toISOString()
    const sig = Buffer.from(`sig-${token}-${jobId}-secret`).toString('base64url')
    return `${this.url}/logs/${token}?se=${encodeURIComponent(expires)}&sp=r&sig=${sig}`
  }

  private serve(req: EmuRequest): Reply {
    if (req.headers.authorization !== undefined) {
      return storageError(
        403,
        'AuthenticationFailed',
        'Server failed to authenticate the request. The request carries an Authorization header and a signature.'
      )
    }
    const link = this.links.get(req.params.token ?? '')
    if (link === undefined || req.search.get('sig') === null)
      return storageError(404, 'BlobNotFound', 'The specified blob does not exist.')
    if (this.now() - link.issuedAt > this.ttlMs || link.uses >= this.uses) {
      // Echoes the signature, as some storage hosts and proxies echo the URL: the client's
      // message must not pass it on.
      return storageError(
        403,
        'AuthenticationFailed',
        `Signature not valid in the specified time frame. sig=${req.search.get('sig') ?? ''}`
      )
    }
    link.uses += 1
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: link.body
    }
  }
}

/** What the store needs of the emulator around it. */
export interface ActionsHost {
  site(): Site
  slug(): string
  /** One page of `items` with GitHub's `Link` header. */
  page(items: unknown[], req: EmuRequest): Reply
  /** The fixtures' PRs whose head is `sha`, as `pull-request-simple` JSON. */
  pullsAt(sha: string): unknown[]
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const T0 = Date.parse('2024-05-01T12:00:00Z')

export class ActionsStore {
  readonly runs = new Map<number, WorkflowRunFixture>()
  readonly blob: BlobHost
  /** How many more commit→PR lookups answer `[]` (GitHub has not associated them yet). */
  pullLookupLag = 0

  private readonly host: ActionsHost

  constructor(host: ActionsHost, blob: BlobOptions = {}) {
    this.host = host
    this.blob = new BlobHost(blob)
  }

  addRun(run: WorkflowRunFixture): WorkflowRunFixture {
    this.runs.set(run.id, run)
    return run
  }

  /** The next `n` commit→PR lookups answer `[]`, as GitHub does while the association lags. */
  lagPullLookups(n: number): void {
    this.pullLookupLag = n
  }

  /** `GET …/actions/runs/{run_id}/jobs`: `{ total_count, jobs }`, paged. */
  jobs(req: EmuRequest): Reply {
    const run = this.runs.get(Number(req.params.run_id))
    if (run === undefined) return ghError(404, 'Not Found')
    const filter = req.search.get('filter') ?? 'latest'
    const rows = filter === 'all' ? run.jobs : latest(run.jobs)
    const page = this.host.page(
      rows.map((j) => this.jobJson(run, j)),
      req
    )
    return { ...page, json: { total_count: rows.length, jobs: page.json } }
  }

  /** `GET …/actions/jobs/{job_id}/logs`: a 302 to a fresh signed link on the storage host. */
  logs(req: EmuRequest): Reply {
    const found = this.findJob(Number(req.params.job_id))
    if (found === undefined) return ghError(404, 'Not Found')
    const [run, job] = found
    const body = Buffer.from(job.log ?? defaultLog(run, job))
    return { status: 302, headers: { location: this.blob.issue(this.jobId(run, job), body) } }
  }

  /** `GET …/commits/{commit_sha}/pulls`: the PRs at that head, unless scripted to lag. */
  commitPulls(req: EmuRequest): Reply {
    const sha = (req.params.commit_sha ?? '').toLowerCase()
    if (!/^[0-9a-f]{7,40}$/.test(sha)) return ghError(422, `No commit found for SHA: ${sha}`)
    if (this.pullLookupLag > 0) {
      this.pullLookupLag -= 1
      return this.host.page([], req)
    }
    return this.host.page(this.host.pullsAt(sha), req)
  }

  jobId(run: WorkflowRunFixture, job: JobFixture): number {
    if (job.id !== undefined) return job.id
    const i = run.jobs.indexOf(job)
    return run.id * 1000 + (job.attempt ?? 1) * 100 + i
  }

  private findJob(id: number): [WorkflowRunFixture, JobFixture] | undefined {
    for (const run of this.runs.values()) {
      for (const job of run.jobs) if (this.jobId(run, job) === id) return [run, job]
    }
    return undefined
  }

  private jobJson(run: WorkflowRunFixture, job: JobFixture): JobJson {
    const { api, web } = this.host.site()
    const slug = this.host.slug()
    const id = this.jobId(run, job)
    const done = job.conclusion !== null
    return {
      id,
      run_id: run.id,
      run_url: `${api}/repos/${slug}/actions/runs/${run.id}`,
      run_attempt: job.attempt ?? 1,
      node_id: nodeId('CR', id),
      head_sha: run.headSha,
      url: `${api}/repos/${slug}/actions/jobs/${id}`,
      html_url: `${web}/${slug}/actions/runs/${run.id}/job/${id}`,
      status: done ? 'completed' : 'in_progress',
      conclusion: job.conclusion,
      created_at: iso(T0),
      started_at: iso(T0 + 1000),
      completed_at: done ? iso(T0 + 60_000) : null,
      name: job.name,
      steps: (job.steps ?? []).map((s, i) => ({
        name: s.name,
        status: s.conclusion === null ? ('in_progress' as const) : ('completed' as const),
        conclusion: s.conclusion,
        number: i + 1,
        started_at: iso(T0 + 1000),
        completed_at: s.conclusion === null ? null : iso(T0 + 59_000)
      })),
      check_run_url: `${api}/repos/${slug}/check-runs/${id}`,
      labels: ['ubuntu-latest'],
      runner_id: 1,
      runner_name: 'GitHub Actions 1',
      runner_group_id: 1,
      runner_group_name: 'GitHub Actions',
      workflow_name: run.name ?? 'CI',
      head_branch: run.headBranch
    }
  }
}

/** Each job name's latest attempt: what `filter=latest` lists. */
function latest(jobs: JobFixture[]): JobFixture[] {
  const top = new Map<string, number>()
  for (const j of jobs) top.set(j.name, Math.max(top.get(j.name) ?? 0, j.attempt ?? 1))
  return jobs.filter((j) => (j.attempt ?? 1) === top.get(j.name))
}

function defaultLog(run: WorkflowRunFixture, job: JobFixture): string {
  const stamp = '2024-05-01T12:00:00.0000000Z'
  const steps = (job.steps ?? []).map(
    (s) => `${stamp} ##[group]Run ${s.name}\n${stamp} ##[endgroup]\n`
  )
  const end =
    job.conclusion === 'failure' ? `${stamp} ##[error]Process completed with exit code 1.\n` : ''
  return `${stamp} Job ${job.name} of run ${run.id}\n${steps.join('')}${end}`
}
