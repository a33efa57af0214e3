/** The Devin client's pr-reviews calls, against the real emulator (test/emulators/devin-reviews.ts). */
import { describe, expect, it } from 'vitest'
import { keyWatch } from '../../helpers/key-watch.ts'
import { DevinApiError, type DevinClientOptions, type PrReview } from '../../../src/devin/client.ts'
import { REVIEW_HINTS } from '../../../src/devin/errors.ts'
import { startDevinEmulator, type DevinEmulator } from '../../emulators/devin.ts'
import { rejection as rejectionOf, testDevinClient } from '../../helpers/devin-client.ts'
import { forDevin } from '../../helpers/gated.ts'

const KEY = 'cog_ReviewKey_5d4c3b2a19f8e7d6'
const ORG = 'org-emulator'
const PR = 'https://github.com/acme/widgets/pull/12'
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const REVIEWS = `/v3/organizations/${ORG}/pr-reviews`

const { seen, cleanups } = keyWatch(KEY, 'ReviewKey')

async function setup(o: { connect?: boolean; client?: Partial<DevinClientOptions> } = {}) {
  const emu = await startDevinEmulator({ apiKey: KEY, orgId: ORG })
  if (o.connect !== false) emu.reviews.connectRepo('github.com/acme/widgets')
  emu.reviews.reviewHead(PR, HEAD)
  const { client, waits } = testDevinClient(emu.url, KEY, { logs: seen, over: o.client })
  cleanups.push(
    () => client.close(),
    () => emu.close()
  )
  return { emu, client, waits }
}

const rejection = (p: Promise<unknown>): Promise<Error> => rejectionOf(p, seen)

/** The pr-reviews calls received, in order. */
const methods = (emu: DevinEmulator): string[] =>
  emu.requests.filter((r) => r.path === REVIEWS).map((r) => r.method)

/** A 403 whose detail echoes the bearer header back: what scrubbing is for. */
function echoKey403(emu: DevinEmulator, method: string): void {
  emu.fault(
    { method, path: REVIEWS },
    {
      status: 403,
      body: (req) => ({
        title: 'Forbidden',
        status: 403,
        detail: `${req.headers.authorization} may not`
      })
    }
  )
}

const body = forDevin({ pr_url: PR })

describe('getReview', () => {
  it('reads the latest review of a commit, by full id, by prefix, or of the head', async () => {
    const { emu, client } = await setup()
    emu.reviews.addReview(PR, { commitSha: HEAD, status: 'errored' })
    emu.reviews.addReview(PR, {
      commitSha: HEAD,
      status: 'completed',
      createdAt: '2026-11-29T10:00:00Z'
    })
    const full = await client.getReview(ORG, PR, HEAD)
    expect(full).toEqual({
      commit_sha: HEAD,
      created_at: '2026-11-29T10:00:00Z',
      pr_number: 12,
      repo_path: 'github.com/acme/widgets',
      status: 'completed',
      raw: expect.objectContaining({ status: 'completed' })
    })
    expect(await client.getReview(ORG, PR, HEAD.slice(0, 7))).toEqual(full)
    expect(await client.getReview(ORG, PR)).toEqual(full)
    expect(emu.requests.map((r) => r.query)).toEqual([
      { pr_url: PR, commit_sha: HEAD },
      { pr_url: PR, commit_sha: HEAD.slice(0, 7) },
      { pr_url: PR }
    ])
  })

  it('is undefined on the 404 that means "no review of this commit", and sends nothing more', async () => {
    const { emu, client } = await setup()
    expect(await client.getReview(ORG, PR, 'ffeeddcc')).toBeUndefined()
    expect(await client.getReview(ORG, PR)).toBeUndefined()
    expect(emu.requests).toHaveLength(2)
  })

  it('sends a PR URL with characters a query string gives meaning to exactly as it is', async () => {
    const { emu, client } = await setup()
    const odd = 'https://ghe.example.com:8443/acme/c++&co=1;x/pull/7'
    emu.reviews.connectRepo('ghe.example.com:8443/acme/c++&co=1;x')
    emu.reviews.reviewHead(odd, HEAD)
    await client.createReview(ORG, forDevin({ pr_url: odd }))
    const review = await client.getReview(ORG, odd, HEAD)
    expect(review).toMatchObject({
      repo_path: 'ghe.example.com:8443/acme/c++&co=1;x',
      pr_number: 7
    })
    const get = emu.requestsTo('GET', REVIEWS)[0]
    expect(get?.query).toEqual({ pr_url: odd, commit_sha: HEAD })
  })

  it('throws on anything but a 404: a 403 names UseReviewManual', async () => {
    const { emu, client } = await setup()
    emu.reviews.denyReviews()
    const err = await rejection(client.getReview(ORG, PR, HEAD))
    expect(err).toBeInstanceOf(DevinApiError)
    expect(err.message).toContain('403 Forbidden: Service user lacks required permission.')
    expect(err.message).toContain(REVIEW_HINTS[403])
  })
})

describe('createReview', () => {
  it("asks for a review of the PR's head and returns it as Devin answered", async () => {
    const { emu, client } = await setup()
    const out = await client.createReview(ORG, body)
    expect(out).toEqual({
      recovered: false,
      review: expect.objectContaining({ commit_sha: HEAD, status: 'pending', pr_number: 12 })
    })
    expect(emu.reviews.createCount).toBe(1)
    expect(emu.requestsTo('POST', REVIEWS).map((r) => r.json)).toEqual([{ pr_url: PR }])
  })

  it("403: the message has the status, Devin's detail and the UseReviewManual hint, never the key", async () => {
    const { emu, client } = await setup()
    emu.reviews.denyReviews()
    const err = await rejection(client.createReview(ORG, body))
    expect(err.message).toBe(
      `Devin API POST ${emu.url}${REVIEWS} failed: 403 Forbidden: Service user lacks required ` +
        `permission. ${REVIEW_HINTS[403]}`
    )
    expect(err.message).toContain('UseReviewManual')
    expect(err.message).not.toContain('ManageOrgSessions')
    // A server that echoes the key in its detail: scrubbed like every other answer.
    echoKey403(emu, 'POST')
    const echoed = await rejection(client.createReview(ORG, body))
    expect(echoed.message).toContain('403 Forbidden')
    expect(echoed.message).toContain('UseReviewManual')
    expect(emu.reviews.createCount).toBe(0)
  })

  it("404 (repository not connected): says how to connect it, with Devin's detail", async () => {
    const { emu, client } = await setup({ connect: false })
    const err = await rejection(client.createReview(ORG, body))
    expect(err).toMatchObject({ status: 404 })
    expect(err.message).toContain(
      '404 Not Found: Repository github.com/acme/widgets is not connected to this organization.'
    )
    expect(err.message).toContain('Devin → Settings → Integrations → GitHub')
    expect(err.message).toContain("install Devin's GitHub App")
    expect(err.message).toContain('GitHub Enterprise Server')
    expect(err.message).not.toContain('session id')
    // Not an unclear outcome: nothing is looked up or sent again.
    expect(methods(emu)).toEqual(['POST'])
  })

  it('422: says what Devin refused, and is final', async () => {
    const { emu, client } = await setup()
    const err = await rejection(
      client.createReview(ORG, forDevin({ pr_url: 'https://github.com/acme/widgets/issues/12' }))
    )
    expect(err.message).toContain(
      '422 Unprocessable Entity: body.pr_url: Value error, not a pull request URL'
    )
    expect(methods(emu)).toEqual(['POST'])
  })

  it('honours Retry-After on a 429, which was never processed, without a lookup', async () => {
    const { emu, client, waits } = await setup()
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 429, headers: { 'retry-after': '7' } })
    const out = await client.createReview(ORG, body)
    expect(out.recovered).toBe(false)
    expect(methods(emu)).toEqual(['POST', 'POST'])
    expect(waits).toEqual([7000])
    expect(emu.reviews.createCount).toBe(1)
  })
})

describe('createReview never pays twice', () => {
  it('recovers the review a 500 hid, by looking up the head, without a second POST', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 500, afterAction: true })
    const out = await client.createReview(ORG, body)
    expect(out).toMatchObject({ recovered: true, review: { commit_sha: HEAD } })
    expect(emu.reviews.createCount).toBe(1)
    expect(methods(emu)).toEqual(['POST', 'GET'])
    // The PR's head is what a POST reviews: the lookup names no commit.
    expect(emu.requestsTo('GET', REVIEWS)[0]?.query).toEqual({ pr_url: PR })
    expect(seen).toContainEqual(
      expect.stringMatching(
        /^warning: Creating the Devin review .*500.*new review of https:\/\/github\.com\/acme\/widgets\/pull\/12/
      )
    )
    expect(seen).toContain(`info: Recovered Devin Review of ${HEAD} after an unclear response.`)
  })

  it('recovers the review whose answer never came before the timeout', async () => {
    // Only the POST may time out: the lookup is answered at once, well inside it.
    const { emu, client } = await setup({ client: { requestTimeoutMs: 1500 } })
    emu.fault({ method: 'POST', path: REVIEWS }, { hang: true })
    const out = await client.createReview(ORG, body)
    expect(out.recovered).toBe(true)
    expect(emu.reviews.createCount).toBe(1)
    expect(emu.requestsTo('POST', REVIEWS)[0]?.answer).toBe('abandoned')
    expect(methods(emu)).toEqual(['POST', 'GET'])
  })

  it('sends exactly once more when nothing was stored', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 502, body: '<html>Bad Gateway</html>' })
    const out = await client.createReview(ORG, body)
    expect(out.recovered).toBe(false)
    expect(emu.reviews.createCount).toBe(1)
    expect(methods(emu)).toEqual(['POST', 'GET', 'POST'])
    expect(seen).toContain(
      `warning: No new review of ${PR} exists; sending the create request again.`
    )
  })

  it('does not take the errored review the caller saw before sending for a new one', async () => {
    const { emu, client } = await setup()
    emu.reviews.addReview(PR, { commitSha: HEAD, status: 'errored' })
    const known = (await client.getReview(ORG, PR, HEAD)) as PrReview
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 500 })
    const out = await client.createReview(ORG, body, { known })
    expect(out.recovered).toBe(false)
    expect(out.review.status).toBe('pending')
    expect(out.review.created_at).not.toBe(known.created_at)
    expect(emu.reviews.createCount).toBe(1)
    expect(methods(emu)).toEqual(['GET', 'POST', 'GET', 'POST'])
  })

  it('does take a new review of the same commit, told from the known one by when it was made', async () => {
    const { emu, client } = await setup()
    emu.reviews.addReview(PR, { commitSha: HEAD, status: 'errored' })
    const known = (await client.getReview(ORG, PR, HEAD)) as PrReview
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 500, afterAction: true })
    const out = await client.createReview(ORG, body, { known })
    expect(out).toMatchObject({ recovered: true, review: { commit_sha: HEAD, status: 'pending' } })
    expect(emu.reviews.createCount).toBe(1)
    expect(methods(emu)).toEqual(['GET', 'POST', 'GET'])
  })

  it('gives up after three sends, and sends nothing more once the workflow is cancelled', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: REVIEWS, times: 5 }, { status: 503 })
    const err = await rejection(client.createReview(ORG, body))
    expect(err).toMatchObject({ status: 503 })
    expect(methods(emu)).toEqual(['POST', 'GET', 'POST', 'GET', 'POST', 'GET'])
    const ac = new AbortController()
    ac.abort()
    const from = emu.requests.length
    await rejection(client.createReview(ORG, body, { signal: ac.signal }))
    expect(emu.requests.slice(from).map((r) => r.method)).toEqual(['POST', 'GET'])
    expect(emu.reviews.createCount).toBe(0)
  })

  it('says to check the PR before re-running when the lookup fails, and sends nothing more', async () => {
    const { emu, client } = await setup()
    emu.fault({ method: 'POST', path: REVIEWS }, { status: 500 })
    echoKey403(emu, 'GET')
    const err = await rejection(client.createReview(ORG, body))
    expect(err.message).toMatch(
      new RegExp(
        `^Devin API POST \\S+ failed: 500 Internal Server Error.*Could not check whether the ` +
          `review was created anyway \\(.*403 Forbidden.*UseReviewManual.*\\), so it was not ` +
          `sent again; check ${PR.replace(/[./]/g, '\\$&')} for a Devin Review of its head ` +
          `commit before re-running\\.$`
      )
    )
    expect(methods(emu)).toEqual(['POST', 'GET'])
  })
})
