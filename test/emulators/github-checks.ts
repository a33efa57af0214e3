/**
 * The GitHub emulator's Checks API: the check runs it stores, what its four routes answer
 * (create, update, get, list a commit's runs) and a run's JSON as api.github.com gives it. The
 * rules those answers follow (permissions, validation, state) are ./github-check-rules.ts.
 */

import type { components } from '@octokit/openapi-types'
import {
  checkOwner,
  checkRunBodyError,
  checksAccess,
  createCheckRun,
  listCheckRuns,
  updateCheckRun
} from './github-check-rules.ts'
import type { CheckActor, CheckStatus, Conclusion, StoredCheckRun } from './github-check-rules.ts'
import { ghError, integration, nodeId, pullId, stableId } from './github-json.ts'
import type { Integration, Site } from './github-json.ts'
import type { EmuRequest, Reply } from './http.ts'

type Schemas = components['schemas']
export type CheckRunJson = Schemas['check-run']
type PullRequestMinimalJson = Schemas['pull-request-minimal']

/** A pull request as a check run lists it: the ids and both ends. */
export interface MinimalPull {
  number: number
  state?: 'open' | 'closed'
  head: { ref: string; sha: string; repo?: string }
  base: { ref: string; sha: string }
}

/** What the store needs of the emulator around it. */
export interface ChecksHost {
  site(): Site
  slug(): string
  owner(): string
  pulls(): Iterable<MinimalPull>
  newId(): number
  /** A write GitHub acted on, for the emulator's write counter. */
  wrote(method: string, id: number): void
  /** One page of `items` with GitHub's `Link` header. */
  page(items: unknown[], req: EmuRequest): Reply
}

/** A check run seeded by a test, as if written before it (another App's, say). */
export interface CheckRunSeed {
  name: string
  headSha: string
  app: string
  status?: CheckStatus
  conclusion?: Conclusion
  externalId?: string
  detailsUrl?: string
  output?: { title: string; summary: string }
}

const iso = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')

export class CheckRunStore {
  /** Every check run created, with its history of writes. */
  readonly runs: StoredCheckRun[] = []

  private readonly host: ChecksHost

  constructor(host: ChecksHost) {
    this.host = host
  }

  add(seed: CheckRunSeed): StoredCheckRun {
    const body: Record<string, unknown> = { name: seed.name, head_sha: seed.headSha }
    if (seed.status) body.status = seed.status
    if (seed.conclusion) body.conclusion = seed.conclusion
    if (seed.externalId) body.external_id = seed.externalId
    if (seed.detailsUrl) body.details_url = seed.detailsUrl
    if (seed.output) body.output = seed.output
    const run = createCheckRun(this.host.newId(), seed.app, body, iso())
    this.runs.push(run)
    return run
  }

  /** `POST /repos/{owner}/{repo}/check-runs` */
  create(req: EmuRequest, actor: CheckActor): Reply {
    const refused = checksAccess(actor, true) ?? checkRunBodyError(req.json, true)
    if (refused) return refused
    const body = req.json as Record<string, unknown>
    const run = createCheckRun(this.host.newId(), actor.app as string, body, iso())
    this.runs.push(run)
    this.host.wrote('POST', run.id)
    return { status: 201, json: this.json(run) }
  }

  /** `PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}` */
  update(req: EmuRequest, actor: CheckActor): Reply {
    const denied = checksAccess(actor, true)
    if (denied) return denied
    const run = this.find(req)
    if (run === undefined) return ghError(404, 'Not Found')
    const refused =
      checkOwner(run, actor, this.appId(actor.app as string)) ?? checkRunBodyError(req.json, false)
    if (refused) return refused
    updateCheckRun(run, req.json as Record<string, unknown>, iso())
    this.host.wrote('PATCH', run.id)
    return { status: 200, json: this.json(run) }
  }

  /** `GET /repos/{owner}/{repo}/check-runs/{check_run_id}` */
  get(req: EmuRequest, actor: CheckActor): Reply {
    const denied = checksAccess(actor, false)
    if (denied) return denied
    const run = this.find(req)
    if (run === undefined) return ghError(404, 'Not Found')
    return { status: 200, json: this.json(run) }
  }

  /** `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`: `{ total_count, check_runs }`, paged. */
  list(req: EmuRequest, actor: CheckActor): Reply {
    const denied = checksAccess(actor, false)
    if (denied) return denied
    const ref = req.params.ref ?? ''
    const sha = this.commitOf(ref)
    if (sha === undefined) return ghError(422, `No commit found for SHA: ${ref}`)
    const runs = listCheckRuns(this.runs, sha, req.search, (slug) => this.appId(slug))
    const page = this.host.page(
      runs.map((r) => this.json(r)),
      req
    )
    return { ...page, json: { total_count: runs.length, check_runs: page.json } }
  }

  private find(req: EmuRequest): StoredCheckRun | undefined {
    return this.runs.find((r) => r.id === Number(req.params.id))
  }

  /** The id GitHub gives an App, by slug. */
  private appId(slug: string): number {
    return this.app(slug).id
  }

  private app(slug: string): Integration {
    return integration(this.host.site(), slug, this.host.owner())
  }

  /** A commit SHA, or a branch one of the fixtures' pull requests names (`heads/` optional). */
  private commitOf(ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase()
    const branch = ref.replace(/^heads\//, '')
    for (const p of this.host.pulls()) {
      if (p.head.ref === branch) return p.head.sha.toLowerCase()
      if (p.base.ref === branch) return p.base.sha.toLowerCase()
    }
    return undefined
  }

  private json(run: StoredCheckRun): CheckRunJson {
    const slug = this.host.slug()
    // GitHub lists the repository's own open PRs at the run's commit, not forks' PRs.
    const pulls = [...this.host.pulls()].filter(
      (p) =>
        (p.state ?? 'open') === 'open' &&
        (p.head.repo ?? slug) === slug &&
        p.head.sha.toLowerCase() === run.headSha
    )
    return checkRunJson(this.host.site(), slug, run, this.app(run.app), pulls)
  }
}

function pullRequestMinimal(site: Site, slug: string, p: MinimalPull): PullRequestMinimalJson {
  const repo = {
    id: stableId(`repo/${slug}`),
    url: `${site.api}/repos/${slug}`,
    name: slug.split('/')[1] ?? slug
  }
  return {
    id: pullId(slug, p.number),
    number: p.number,
    url: `${site.api}/repos/${slug}/pulls/${p.number}`,
    head: { ref: p.head.ref, sha: p.head.sha, repo },
    base: { ref: p.base.ref, sha: p.base.sha, repo }
  }
}

/** A check run as GitHub answers it; `pulls`: this repository's open PRs at its head commit. */
export function checkRunJson(
  site: Site,
  slug: string,
  run: StoredCheckRun,
  app: Integration,
  pulls: MinimalPull[]
): CheckRunJson {
  const url = `${site.api}/repos/${slug}/check-runs/${run.id}`
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: nodeId('CR', run.id),
    external_id: run.externalId,
    url,
    html_url: `${site.web}/${slug}/runs/${run.id}`,
    // Without one, GitHub links the App's own site.
    details_url: run.detailsUrl ?? app.external_url,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: { ...run.output, annotations_count: 0, annotations_url: `${url}/annotations` },
    name: run.name,
    // One suite per App and commit, as GitHub groups them.
    check_suite: { id: 900_000_000 + stableId(`${slug}@${run.app}@${run.headSha}`) },
    app,
    pull_requests: pulls.map((p) => pullRequestMinimal(site, slug, p))
  }
}
