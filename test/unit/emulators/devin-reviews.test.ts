import { describe, expect, it } from 'vitest'
import { describeViolation } from '../../emulators/conformance.ts'
import { prRef } from '../../emulators/devin-reviews.ts'
import type { DevinEmulator } from '../../emulators/devin.ts'
import { ORG, call, devin, post } from './helpers.ts'

const PR = 'https://github.com/acme/widgets/pull/12'
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const NEXT = 'ffeeddccbbaa99887766554433221100ffeeddcc'
const REVIEWS = `${ORG}/pr-reviews`

interface Review {
  commit_sha: string
  created_at: string
  pr_number: number
  repo_path: string
  status: string
}

async function connected(prUrl = PR, head = HEAD): Promise<DevinEmulator> {
  const emu = await devin()
  emu.reviews.connectRepo(prRef(prUrl)?.repoPath ?? '')
  emu.reviews.reviewHead(prUrl, head)
  return emu
}

const ask = (emu: DevinEmulator, prUrl: string, sha?: string): Promise<Response> => {
  const q = new URLSearchParams({ pr_url: prUrl })
  if (sha !== undefined) q.set('commit_sha', sha)
  return call(emu, `${REVIEWS}?${q.toString()}`)
}

async function statusOf(emu: DevinEmulator, prUrl = PR, sha?: string): Promise<string> {
  const res = await ask(emu, prUrl, sha)
  expect(res.status).toBe(200)
  return ((await res.json()) as Review).status
}

describe('Devin emulator: pr-reviews', () => {
  it("reviews the PR's head: 200, pending, repo_path from the URL's host, counted by route", async () => {
    const emu = await connected()
    const res = await post(emu, REVIEWS, { pr_url: PR })
    expect(res.status).toBe(200)
    const review = (await res.json()) as Review
    expect(review).toEqual({
      commit_sha: HEAD,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      pr_number: 12,
      repo_path: 'github.com/acme/widgets',
      status: 'pending'
    })
    // A second POST is a second review, paid again: that is what a client must not do blindly.
    expect((await post(emu, REVIEWS, { pr_url: PR })).status).toBe(200)
    expect(emu.reviews.createCount).toBe(2)
    const [first, second] = emu.reviews.of(PR)
    expect(first!.state.created_at < second!.state.created_at).toBe(true)
    await ask(emu, PR)
    expect(emu.requestCounts()).toEqual({
      'POST /v3/organizations/:org/pr-reviews': 2,
      'GET /v3/organizations/:org/pr-reviews': 1
    })
  })

  it('names an Enterprise Server repository by its host, and matches a PR however its URL is cased', async () => {
    const ghes = 'https://ghe.example.com/Acme/Widgets/pull/7'
    const emu = await connected(ghes)
    const review = (await (await post(emu, REVIEWS, { pr_url: ghes })).json()) as Review
    expect(review).toMatchObject({ repo_path: 'ghe.example.com/Acme/Widgets', pr_number: 7 })
    expect(await statusOf(emu, 'https://GHE.example.com/acme/widgets/pull/7')).toBe('pending')
    // Same owner and repository on another host is another repository.
    const other = await post(emu, REVIEWS, { pr_url: 'https://github.com/Acme/Widgets/pull/7' })
    expect(other.status).toBe(404)
  })

  it('advances a scripted review one status per GET that returns it, the last sticking', async () => {
    const emu = await connected()
    emu.reviews.scriptReview(['pending', 'running', 'running', 'completed'])
    await post(emu, REVIEWS, { pr_url: PR })
    const seen: string[] = []
    for (let i = 0; i < 6; i++) seen.push(await statusOf(emu))
    expect(seen).toEqual(['pending', 'running', 'running', 'completed', 'completed', 'completed'])
    // A GET that finds nothing advances nothing.
    emu.reviews.reviewHead(PR, NEXT)
    expect((await post(emu, REVIEWS, { pr_url: PR })).status).toBe(200)
    expect((await ask(emu, PR, 'deadbeef')).status).toBe(404)
    // The next review, unscripted, goes pending → running → completed.
    expect([await statusOf(emu), await statusOf(emu), await statusOf(emu)]).toEqual([
      'pending',
      'running',
      'completed'
    ])
    expect(emu.reviews.of(PR).map((r) => r.gets)).toEqual([6, 3])
  })

  it('finds the latest review of a commit by its full id or a prefix, of the head when none is given', async () => {
    const emu = await connected()
    emu.reviews.addReview(PR, { commitSha: HEAD, status: 'errored' })
    emu.reviews.addReview(PR, { commitSha: HEAD, status: 'completed' })
    emu.reviews.addReview('https://github.com/acme/widgets/pull/13', {
      commitSha: NEXT,
      status: 'running'
    })
    expect(emu.requests).toEqual([])
    expect(await statusOf(emu, PR, HEAD)).toBe('completed')
    expect(await statusOf(emu, PR, HEAD.slice(0, 7).toUpperCase())).toBe('completed')
    expect(await statusOf(emu, PR)).toBe('completed')
    // Another PR's review of another commit is not this PR's.
    expect((await ask(emu, PR, NEXT)).status).toBe(404)
    emu.reviews.reviewHead(PR, NEXT)
    const none = await ask(emu, PR)
    expect(none.status).toBe(404)
    expect(none.headers.get('content-type')).toBe('application/problem+json')
    expect(await none.json()).toMatchObject({ status: 404, detail: expect.stringContaining(NEXT) })
  })

  it('answers 404 for a repository Devin is not connected to, and for a PR whose head it does not know', async () => {
    const emu = await devin()
    emu.reviews.reviewHead(PR, HEAD)
    const res = await post(emu, REVIEWS, { pr_url: PR })
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({
      detail: 'Repository github.com/acme/widgets is not connected to this organization'
    })
    emu.reviews.connectRepo('https://github.com/acme/widgets/')
    const unknown = await post(emu, REVIEWS, { pr_url: `${PR.slice(0, -2)}99` })
    expect(unknown.status).toBe(404)
    expect((await post(emu, REVIEWS, { pr_url: PR })).status).toBe(200)
    expect(emu.reviews.createCount).toBe(1)
  })

  it('answers 403 on both routes to a key without UseReviewManual, and nothing is created', async () => {
    const emu = await connected()
    emu.reviews.denyReviews()
    for (const res of [await post(emu, REVIEWS, { pr_url: PR }), await ask(emu, PR)]) {
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ title: 'Forbidden', status: 403 })
    }
    expect(emu.reviews.createCount).toBe(0)
    emu.reviews.denyReviews(false)
    expect((await post(emu, REVIEWS, { pr_url: PR })).status).toBe(200)
    // Sessions are not reviews: the permission is the review routes' own.
    expect((await call(emu, `${ORG}/sessions`)).status).toBe(200)
  })

  it('validates like FastAPI, and records each request off the documented shape', async () => {
    const emu = await connected()
    const bad: Array<[unknown, string[]]> = [
      [{}, ['body', 'pr_url']],
      [{ pr_url: 12 }, ['body', 'pr_url']],
      [{ pr_url: PR, commit_sha: HEAD }, ['body', 'commit_sha']],
      [{ pr_url: 'https://github.com/acme/widgets/issues/12' }, ['body', 'pr_url']],
      [[PR], ['body']]
    ]
    for (const [body, loc] of bad) {
      const res = await post(emu, REVIEWS, body)
      expect(res.status).toBe(422)
      expect(await res.json()).toMatchObject({ detail: [{ loc }] })
    }
    const noUrl = await call(emu, `${REVIEWS}?commit_sha=${HEAD}`)
    expect(noUrl.status).toBe(422)
    expect(await noUrl.json()).toMatchObject({ detail: [{ loc: ['query', 'pr_url'] }] })
    expect((await ask(emu, PR, 'not-a-sha')).status).toBe(404)
    expect(emu.reviews.createCount).toBe(0)
    expect(emu.takeViolations().map(describeViolation)).toEqual([
      `Devin request POST ${REVIEWS} (Additions: POST pr-reviews (PrReviewResponse)): body must have required property 'pr_url'`,
      `Devin request POST ${REVIEWS} (Additions: POST pr-reviews (PrReviewResponse)): body/pr_url must be string, not 12`,
      `Devin request POST ${REVIEWS} (Additions: POST pr-reviews (PrReviewResponse)): body has undocumented field 'commit_sha'`,
      `Devin request POST ${REVIEWS} (Additions: POST pr-reviews (PrReviewResponse)): body must be object, not ["${PR}"]`,
      `Devin request GET ${REVIEWS} (Additions: GET pr-reviews): query must have required property 'pr_url'`,
      `Devin request GET ${REVIEWS} (Additions: GET pr-reviews): query/commit_sha must match pattern "^[0-9a-fA-F]{4,40}$", not "not-a-sha"`
    ])
  })

  it('holds its answers to PrReviewResponse: a status off the documented four is caught', async () => {
    const emu = await connected()
    emu.reviews.addReview(PR, { commitSha: HEAD, status: 'queued' })
    expect(await statusOf(emu)).toBe('queued')
    expect(emu.takeViolations().flatMap((v) => v.problems)).toEqual([
      'body/status is "queued", not one of ["pending","running","completed","errored"]'
    ])
  })

  it('takes the usual faults: a 500 after the review was stored, then a normal answer', async () => {
    const emu = await connected()
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 500, afterAction: true })
    expect((await post(emu, REVIEWS, { pr_url: PR })).status).toBe(500)
    expect(emu.reviews.createCount).toBe(1)
    expect(await statusOf(emu)).toBe('pending')
    expect((await post(emu, REVIEWS, { pr_url: PR })).status).toBe(200)
    expect(emu.reviews.createCount).toBe(2)
    expect(emu.requestsTo('POST', REVIEWS).map((r) => [r.fault, r.answer])).toEqual([
      ['status', 500],
      [undefined, 200]
    ])
  })

  it('holds an answer until released, the review already stored while it waits', async () => {
    const emu = await connected()
    let release = (): void => undefined
    const until = new Promise<void>((resolve) => (release = resolve))
    emu.fault({ method: 'POST', path: REVIEWS }, { until })
    const pending = post(emu, REVIEWS, { pr_url: PR })
    await emu.waitFor(() => emu.holding === 1, 'the held POST')
    expect(emu.reviews.createCount).toBe(1)
    expect(await statusOf(emu)).toBe('pending')
    release()
    const res = await pending
    expect(res.status).toBe(200)
    expect(((await res.json()) as Review).commit_sha).toBe(HEAD)
    expect(emu.requestsTo('POST', REVIEWS)[0]?.fault).toBe('hold')
  })
})

describe('prRef', () => {
  it('reads github.com and Enterprise Server PR URLs, and nothing else', () => {
    expect(prRef(PR)).toEqual({
      key: 'github.com/acme/widgets#12',
      repoPath: 'github.com/acme/widgets',
      number: 12
    })
    expect(prRef('http://127.0.0.1:8080/o/r/pull/3/')?.repoPath).toBe('127.0.0.1:8080/o/r')
    for (const bad of [
      'github.com/acme/widgets/pull/12',
      'https://github.com/acme/widgets/pull/0',
      'https://github.com/acme/widgets/pull/x',
      'https://github.com/widgets/pull/12',
      'ftp://github.com/acme/widgets/pull/12'
    ])
      expect(prRef(bad), bad).toBeUndefined()
  })
})
