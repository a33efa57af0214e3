/**
 * The Devin emulator's `pr-reviews` routes (Devin Review, devin-api.md "Additions"): connected
 * repositories, each PR's head commit, and reviews whose status follows a script one GET at a
 * time, as sessions do. Like the real service it reviews only a PR's head, answers 404 both
 * for "no review of this commit" and for a repository it cannot reach, and 403 to a key without
 * `UseReviewManual`. Auth and the organization are checked by the emulator before these run.
 */

import { type Body, notObject, objectBody, problem, validation } from './devin-replies.ts'
import type { EmuRequest, Reply } from './http.ts'

/** The documented `PrReviewResponse`. */
export interface PrReviewResponse {
  commit_sha: string
  /** ISO date-time. */
  created_at: string
  pr_number: number
  /** `host/owner/repo`. */
  repo_path: string
  status: string
}

export interface StoredReview {
  prUrl: string
  state: PrReviewResponse
  /** Statuses still to come, one per GET that returns this review; the last one sticks. */
  script: string[]
  scriptIndex: number
  gets: number
}

/** What a review created without a script goes through. */
export const DEFAULT_REVIEW_SCRIPT = ['pending', 'running', 'completed']

interface PrRef {
  /** One PR however its URL is spelled (host and path in lower case). */
  key: string
  repoPath: string
  number: number
}

/**
 * `https://host/owner/repo/pull/12` → its repository as Devin names it (`host/owner/repo`, so an
 * Enterprise Server URL works) and number; undefined for anything that is not a PR URL.
 */
export function prRef(prUrl: string): PrRef | undefined {
  let url: URL
  try {
    url = new URL(prUrl)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  const parts = url.pathname.split('/').filter((p) => p !== '')
  const n = parts.length
  const num = parts[n - 1] ?? ''
  if (n < 4 || parts[n - 2] !== 'pull' || !/^[1-9]\d*$/.test(num)) return undefined
  const repoPath = `${url.host}/${parts.slice(0, n - 2).join('/')}`
  return { key: `${repoPath.toLowerCase()}#${num}`, repoPath, number: Number(num) }
}

function mustRef(prUrl: string): PrRef {
  const ref = prRef(prUrl)
  if (ref === undefined) throw new Error(`not a pull request URL: ${prUrl}`)
  return ref
}

const badPrUrl = (where: 'body' | 'query'): Reply =>
  validation([where, 'pr_url'], 'Value error, not a pull request URL', 'value_error')

export class DevinReviews {
  /** Repositories Devin can reach, as `host/owner/repo` in lower case. */
  readonly connected = new Set<string>()
  /** Each PR's head commit, by {@link PrRef.key}. */
  readonly heads = new Map<string, string>()
  /** Every review, oldest first. */
  readonly all: StoredReview[] = []
  /** Reviews created by a POST; seeded ones do not count. */
  createCount = 0
  private denied = false
  private readonly scripts: string[][] = []
  private lastCreated = 0

  /** Lets Devin reach a repository: `github.com/acme/widgets` or its web URL. */
  connectRepo(repo: string): void {
    this.connected.add(
      repo
        .replace(/^https?:\/\//, '')
        .replace(/\/+$/, '')
        .toLowerCase()
    )
  }

  /** The PR's current head: what a POST reviews and a GET without `commit_sha` asks about. */
  reviewHead(prUrl: string, sha: string): void {
    this.heads.set(mustRef(prUrl).key, sha)
  }

  /** A review as an earlier run would have left it: no request, no count, no script. */
  addReview(
    prUrl: string,
    r: { commitSha: string; status: string; createdAt?: string }
  ): StoredReview {
    if (r.createdAt !== undefined)
      this.lastCreated = Math.max(this.lastCreated, Date.parse(r.createdAt) || 0)
    return this.store(prUrl, mustRef(prUrl), r.commitSha, [], r.status, r.createdAt)
  }

  /** The statuses the next created review goes through, one per GET that returns it. */
  scriptReview(statuses: string[]): void {
    this.scripts.push(statuses)
  }

  /** From now on (or no longer), the key lacks `UseReviewManual`: both routes answer 403. */
  denyReviews(deny = true): void {
    this.denied = deny
  }

  /** The reviews of one PR, oldest first. */
  of(prUrl: string): StoredReview[] {
    const key = mustRef(prUrl).key
    return this.all.filter((r) => prRef(r.prUrl)?.key === key)
  }

  create(req: EmuRequest): Reply {
    const refused = this.refused(req)
    if (refused) return refused
    const body = objectBody(req.json)
    if (body === undefined) return notObject()
    const invalid = checkCreate(body)
    if (invalid) return invalid
    const prUrl = body.pr_url as string
    const ref = prRef(prUrl)
    if (ref === undefined) return badPrUrl('body')
    if (!this.connected.has(ref.repoPath.toLowerCase())) {
      const detail = `Repository ${ref.repoPath} is not connected to this organization`
      return problem(404, 'Not Found', detail, req.path)
    }
    const head = this.heads.get(ref.key)
    if (head === undefined)
      return problem(404, 'Not Found', `Pull request ${prUrl} was not found`, req.path)
    const script = this.scripts.shift() ?? DEFAULT_REVIEW_SCRIPT
    const review = this.store(prUrl, ref, head, script, 'pending')
    this.createCount += 1
    return { status: 200, json: { ...review.state } }
  }

  get(req: EmuRequest): Reply {
    const refused = this.refused(req)
    if (refused) return refused
    const prUrl = req.search.get('pr_url')
    if (prUrl === null) return validation(['query', 'pr_url'], 'Field required', 'missing')
    const ref = prRef(prUrl)
    if (ref === undefined) return badPrUrl('query')
    const asked = req.search.get('commit_sha') ?? this.heads.get(ref.key)
    const wanted = asked?.toLowerCase()
    const found = this.all.findLast(
      (r) =>
        wanted !== undefined &&
        wanted !== '' &&
        prRef(r.prUrl)?.key === ref.key &&
        r.state.commit_sha.toLowerCase().startsWith(wanted)
    )
    if (found === undefined) {
      const detail = `No review found for commit ${asked ?? '(no head known)'} of ${prUrl}`
      return problem(404, 'Not Found', detail, req.path)
    }
    found.gets += 1
    const next = found.script[found.scriptIndex]
    if (next !== undefined) {
      found.state.status = next
      found.scriptIndex += 1
    }
    return { status: 200, json: { ...found.state } }
  }

  private refused(req: EmuRequest): Reply | undefined {
    if (!this.denied) return undefined
    return problem(403, 'Forbidden', 'Service user lacks required permission', req.path)
  }

  private store(
    prUrl: string,
    ref: PrRef,
    sha: string,
    script: string[],
    status: string,
    createdAt?: string
  ): StoredReview {
    const review: StoredReview = {
      prUrl,
      state: {
        commit_sha: sha,
        created_at: createdAt ?? this.stamp(),
        pr_number: ref.number,
        repo_path: ref.repoPath,
        status
      },
      script: [...script],
      scriptIndex: 0,
      gets: 0
    }
    this.all.push(review)
    return review
  }

  /** Strictly increasing, so two reviews made in one millisecond are still told apart. */
  private stamp(): string {
    this.lastCreated = Math.max(Date.now(), this.lastCreated + 1)
    return new Date(this.lastCreated).toISOString()
  }
}

/** `{pr_url}` and nothing else, as the documented request model takes it. */
function checkCreate(body: Body): Reply | undefined {
  for (const key of Object.keys(body)) {
    if (key !== 'pr_url')
      return validation(['body', key], 'Extra inputs are not permitted', 'extra_forbidden')
  }
  if (body.pr_url === undefined) return validation(['body', 'pr_url'], 'Field required', 'missing')
  if (typeof body.pr_url !== 'string')
    return validation(['body', 'pr_url'], 'Input should be a valid string', 'string_type')
  return undefined
}
