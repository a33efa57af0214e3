import { describe, expect, it } from 'vitest'
import { DevinApiError } from '../../../src/devin/errors.ts'
import type { PrReview } from '../../../src/devin/types.ts'
import { waitForReview, type ReviewWaitDeps } from '../../../src/review/wait.ts'
import {
  followingReviewState,
  prReview,
  REVIEW_PR_URL,
  REVIEW_SHA
} from '../../helpers/run-state.ts'

/** Virtual time: a sleep moves the clock at once. */
function vclock() {
  const c = {
    t: 1_000_000,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      c.sleeps.push(ms)
      if (signal?.aborted) return
      c.t += ms
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return c
}

type Answer = string | Error | undefined

/** A Devin that answers each GET with the next scripted answer; the last one sticks. */
function scripted(answers: Answer[]) {
  const asked: Array<{ prUrl: string; sha?: string; at: number }> = []
  let i = 0
  const devin = (clock: { now: () => number }) => ({
    getReview: async (_org: string, prUrl: string, sha?: string): Promise<PrReview | undefined> => {
      asked.push({ prUrl, sha, at: clock.now() })
      const a = answers[Math.min(i++, answers.length - 1)]
      if (a instanceof Error) throw a
      return a === undefined ? undefined : prReview({ status: a })
    }
  })
  return { asked, devin }
}

function setup(answers: Answer[], over: Partial<ReviewWaitDeps> = {}) {
  const clock = vclock()
  const state = followingReviewState({ clock: clock.now })
  const { asked, devin } = scripted(answers)
  const logs: string[] = []
  let published = 0
  const deps: ReviewWaitDeps = {
    state,
    devin: devin(clock),
    orgId: 'org-1',
    settings: { pollIntervalSeconds: 30, timeoutMinutes: 10 },
    publish: async () => {
      published++
    },
    log: { info: (m) => logs.push(`info ${m}`), warning: (m) => logs.push(`warning ${m}`) },
    clock: clock.now,
    sleep: clock.sleep,
    random: () => 0,
    ...over
  }
  return { clock, state, asked, logs, deps, published: () => published }
}

const unavailable = (): DevinApiError =>
  new DevinApiError('Devin API GET …/pr-reviews failed: 503 Service Unavailable', {
    status: 503,
    detail: '',
    method: 'GET',
    path: '/pr-reviews'
  })

describe('waitForReview', () => {
  it('polls the commit it asked about, one interval apart, until the review completes', async () => {
    const h = setup(['pending', 'running', 'running', 'completed'])
    await waitForReview(h.deps)
    const r = h.state.report
    expect(r.result).toBe('finished')
    expect(r.review).toMatchObject({ status: 'completed', commitSha: REVIEW_SHA })
    expect(h.asked).toHaveLength(4)
    expect(h.asked.every((a) => a.prUrl === REVIEW_PR_URL && a.sha === REVIEW_SHA)).toBe(true)
    const gaps = h.asked.slice(1).map((a, i) => a.at - (h.asked[i]?.at ?? 0))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(30_000)
    expect(r.wait?.polls).toBe(4)
    expect(r.timeline.map((t) => t.text)).toEqual(
      expect.arrayContaining(['running: Devin is reviewing', 'completed: review completed'])
    )
    // pending → running changed what is shown; the final write is the reporter's, not the loop's.
    expect(h.published()).toBe(1)
  })

  it('ends as an error when the review errored', async () => {
    const h = setup(['running', 'errored'])
    await waitForReview(h.deps)
    expect(h.state.report.result).toBe('error')
    expect(h.state.report.review?.status).toBe('errored')
  })

  it('stops waiting at the budget and says the review goes on', async () => {
    const h = setup(['running'], { settings: { pollIntervalSeconds: 60, timeoutMinutes: 5 } })
    await waitForReview(h.deps)
    const r = h.state.report
    expect(r.result).toBe('timeout')
    expect(r.note).toMatch(
      /^Stopped waiting after 5 minutes \(timeout-minutes\); Devin Review goes on/
    )
    expect(h.asked.length).toBeLessThanOrEqual(6)
    expect(h.clock.t - 1_000_000).toBeLessThanOrEqual(5 * 60_000)
  })

  it('tolerates a passing failure and a review not listed yet, backing off', async () => {
    const h = setup([undefined, unavailable(), 'running', 'completed'])
    await waitForReview(h.deps)
    expect(h.state.report.result).toBe('finished')
    const warnings = h.logs.filter((l) => l.startsWith('warning'))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/does not list the review of this commit yet.*trying again in 30 s/)
    expect(warnings[1]).toMatch(/503 Service Unavailable.*trying again in 60 s/)
  })

  it('gives up on a failure that will not pass, and says the review may still come', async () => {
    const forbidden = new DevinApiError('403 Forbidden', {
      status: 403,
      detail: 'no',
      method: 'GET',
      path: '/pr-reviews'
    })
    const h = setup(['running', forbidden])
    await expect(waitForReview(h.deps)).rejects.toBe(forbidden)
    expect(h.state.report.result).toBe('error')
    expect(h.state.report.note).toMatch(/Lost track of the review/)
  })

  it('gives up after five failures in a row', async () => {
    const h = setup([unavailable()], { settings: { pollIntervalSeconds: 1, timeoutMinutes: 60 } })
    await expect(waitForReview(h.deps)).rejects.toBeInstanceOf(DevinApiError)
    expect(h.asked).toHaveLength(5)
  })

  it('warns once about a status it does not know, and keeps waiting', async () => {
    const h = setup(['queued_for_gpu', 'queued_for_gpu', 'completed'])
    await waitForReview(h.deps)
    expect(h.state.report.result).toBe('finished')
    expect(h.logs.filter((l) => l.includes('queued_for_gpu') && l.startsWith('warning'))).toEqual([
      "warning Devin Review reported status 'queued_for_gpu', which this action does not know; still waiting."
    ])
  })

  it('leaves a cancelled run to the guard, asking nothing more', async () => {
    const abort = new AbortController()
    let done = false
    const cancel = {
      signal: abort.signal,
      done: Promise.resolve().then(() => {
        done = true
      })
    }
    const h = setup(['running'])
    h.deps.cancel = cancel
    h.deps.sleep = async (ms, signal) => {
      abort.abort()
      await h.clock.sleep(ms, signal)
    }
    await waitForReview(h.deps)
    expect(done).toBe(true)
    expect(h.asked).toHaveLength(0)
    expect(h.state.phase).toBe('waiting')
  })
})
