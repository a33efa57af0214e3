import { describe, expect, it } from 'vitest'
import type { PrReview } from '../../../src/devin/types.ts'
import { prUrlOf, requestReview, type ReviewDevin } from '../../../src/review/request.ts'
import type { Target } from '../../../src/run/target.ts'
import { prReview, REVIEW_PR_URL, REVIEW_SHA, reviewingState } from '../../helpers/run-state.ts'

function fakeDevin(existing: PrReview | undefined, created = prReview()) {
  const calls: string[] = []
  const bodies: unknown[] = []
  const known: Array<PrReview | undefined> = []
  const devin: ReviewDevin = {
    getReview: async (org, prUrl, sha) => {
      calls.push(`GET ${org} ${prUrl} ${sha}`)
      return existing
    },
    createReview: async (org, body, opts) => {
      calls.push(`POST ${org}`)
      bodies.push(body)
      known.push(opts.known)
      return { review: created, recovered: false }
    }
  }
  return { devin, calls, bodies, known }
}

function ask(devin: ReviewDevin) {
  const state = reviewingState()
  const logs: string[] = []
  let saved = 0
  const run = requestReview({
    devin,
    orgId: 'org-1',
    state,
    prUrl: REVIEW_PR_URL,
    headSha: REVIEW_SHA,
    secretScan: 'redact',
    log: { info: (m) => logs.push(m), warning: (m) => logs.push(m) },
    save: () => {
      saved++
      // What the post step would find, were the process killed now.
      expect(state.report.review?.status).toBe('requested')
    }
  })
  return { state, logs, run, saved: () => saved }
}

describe('requestReview', () => {
  it('asks once for a head commit with no review, and follows what Devin accepted', async () => {
    const d = fakeDevin(undefined)
    const a = ask(d.devin)
    expect(await a.run).toBeUndefined()
    expect(d.calls).toEqual([`GET org-1 ${REVIEW_PR_URL} ${REVIEW_SHA}`, 'POST org-1'])
    expect(d.bodies).toEqual([{ pr_url: REVIEW_PR_URL }])
    expect(a.saved()).toBe(1)
    expect(a.state.report).toMatchObject({
      result: 'created',
      review: { prUrl: REVIEW_PR_URL, commitSha: REVIEW_SHA, status: 'pending' }
    })
  })

  it.each(['pending', 'running', 'completed', 'a-newer-status'])(
    'sends nothing when the commit has a review that is %s',
    async (status) => {
      const d = fakeDevin(prReview({ status }))
      const a = ask(d.devin)
      expect(await a.run).toBe(
        `commit c0ffee0 already has a Devin Review (${status}); nothing was sent`
      )
      expect(d.calls).toHaveLength(1)
      expect(a.saved()).toBe(0)
      expect(a.state.report.review?.status).toBe(status)
    }
  )

  it('asks again after an errored review, telling the client which one it saw', async () => {
    const errored = prReview({ status: 'errored' })
    const d = fakeDevin(errored)
    const a = ask(d.devin)
    expect(await a.run).toBeUndefined()
    expect(d.calls).toHaveLength(2)
    expect(d.known).toEqual([errored])
    expect(a.logs).toContain('The last Devin Review of this commit errored; asking for a new one.')
  })

  it('follows the commit Devin reviews when the head moved since the event', async () => {
    const d = fakeDevin(undefined, prReview({ commit_sha: 'beef'.repeat(10) }))
    const a = ask(d.devin)
    await a.run
    expect(a.state.report.review?.commitSha).toBe('beef'.repeat(10))
    expect(a.logs.join('\n')).toMatch(/Devin reviews beefbee, its latest commit/)
  })
})

describe('prUrlOf', () => {
  it('builds the URL from the server, so Enterprise Server PRs are named where they are', () => {
    const target = { owner: 'acme', repo: 'app', pr: { number: 12 } } as Target
    expect(prUrlOf({ serverUrl: 'https://ghe.example.com' }, target)).toBe(
      'https://ghe.example.com/acme/app/pull/12'
    )
  })
})
