/**
 * The waiting loop's bounds, on a virtual clock against a scripted Devin whose every answer shows
 * the session as it is at that moment: at most 2 Devin requests per interval (≤ 240 per
 * session-hour at 30 s), and a message the API lists, like the end of the session, in the log
 * within one interval + 1 s. Each request takes 200 ms of virtual time, so the request's own
 * time counts against the bound as it would on a network.
 */
import { describe, expect, it } from 'vitest'
import type { DevinClient } from '../../../src/devin/client.ts'
import { parseSession, type DevinMessage, type DevinSession } from '../../../src/devin/types.ts'
import { MESSAGE_PAGE } from '../../../src/lifecycle/messages.ts'
import { waitForSession } from '../../../src/lifecycle/wait.ts'
import { followingState } from '../../helpers/run-state.ts'

const SECOND = 1000
const MINUTE = 60 * SECOND
const REQUEST_MS = 200
const SLACK_MS = 1000

/** Something that happens to the session `at` ms after the wait began. */
interface Step {
  at: number
  status?: string
  detail?: string | null
  /** Devin writes these (or the user, with `source`). */
  say?: string[]
  source?: string
}

/** A small seeded generator (Park–Miller), so every run sees the same jitter and chatter. */
function lcg(seed: number): () => number {
  let x = (Math.abs(Math.floor(seed)) % 2147483646) + 1
  return () => (x = (x * 16807) % 2147483647) / 2147483647
}

/** Virtual time: a sleep advances it at once. */
class VClock {
  t = 1_750_000_000_000
  now = (): number => this.t
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return
    this.t += ms
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** A Devin session scripted in time; it answers as the session is when a request arrives. */
class World {
  readonly t0: number
  status = 'running'
  detail: string | null = 'working'
  readonly messages: Array<{ id: string; at: number; text: string; source: string }> = []
  readonly requests: Array<{ at: number; kind: 'session' | 'messages' }> = []
  stoppedAt: number | undefined
  noticedAt: number | undefined
  readonly #steps: Step[]

  constructor(
    readonly clock: VClock,
    steps: Step[],
    /** A session whose `updated_at` never moves: the wait must not depend on it. */
    readonly frozenUpdatedAt = false
  ) {
    this.t0 = clock.t
    this.#steps = [...steps].sort((a, b) => a.at - b.at)
  }

  get since(): number {
    return this.clock.t - this.t0
  }

  #catchUp(): void {
    while ((this.#steps[0]?.at ?? Infinity) <= this.since) {
      const s = this.#steps.shift() as Step
      if (s.status !== undefined) {
        this.status = s.status
        this.detail = s.detail ?? null
        const stopped = s.status !== 'running' || s.detail !== 'working'
        if (stopped && !['resuming', 'claimed'].includes(s.status)) this.stoppedAt ??= s.at
      }
      for (const text of s.say ?? []) {
        const id = `m${this.messages.length}`
        this.messages.push({ id, at: s.at, text, source: s.source ?? 'devin' })
      }
    }
  }

  /** A request takes REQUEST_MS; the server sees the session halfway through it. */
  async #request<T>(kind: 'session' | 'messages', answer: () => T): Promise<T> {
    this.requests.push({ at: this.since, kind })
    this.clock.t += REQUEST_MS / 2
    this.#catchUp()
    const value = answer()
    this.clock.t += REQUEST_MS / 2
    return value
  }

  #session(): DevinSession {
    const updated = this.frozenUpdatedAt ? this.t0 : this.clock.t
    const s = parseSession({
      session_id: 'devin-w',
      url: 'https://app.devin.ai/sessions/devin-w',
      status: this.status,
      status_detail: this.detail,
      updated_at: Math.floor(updated / 1000)
    })
    if (!s) throw new Error('fixture')
    return s
  }

  readonly devin = {
    getSession: async (): Promise<DevinSession> => {
      const s = await this.#request('session', () => this.#session())
      if (this.stoppedAt !== undefined) this.noticedAt ??= this.since
      return s
    },
    listMessages: async (_org: string, _id: string, q: { after?: string; first?: number }) =>
      this.#request('messages', () => {
        const offset = q.after ? Number(q.after) : 0
        const first = q.first ?? 100
        const items: DevinMessage[] = this.messages.slice(offset, offset + first).map((m) => ({
          event_id: m.id,
          message: m.text,
          source: m.source,
          created_at: 0,
          raw: {}
        }))
        const hasNextPage = offset + first < this.messages.length
        return {
          items,
          endCursor: hasNextPage ? String(offset + first) : null,
          hasNextPage,
          total: this.messages.length
        }
      })
  } as Partial<DevinClient> as DevinClient
}

interface Outcome {
  world: World
  printed: Array<{ text: string; at: number }>
  edits: number[]
  /** Requests per poll: the session GET and what followed it before the next one. */
  perPoll: number[]
  /** The most requests in any window one interval long, leaving out the end's extra pages. */
  perWindow: number
  /** Listing pages read at the stop beyond the first (the end reads until the list is done). */
  endExtraPages: number
  perHour: number
  messageLatencyMax: number
  stopLatency: number
}

async function follow(
  steps: Step[],
  o: { intervalS?: number; timeoutMin?: number; seed?: number; frozenUpdatedAt?: boolean } = {}
): Promise<Outcome> {
  const clock = new VClock()
  const world = new World(clock, steps, o.frozenUpdatedAt)
  const first = parseSession({ session_id: 'devin-w', status: 'new' })
  if (!first) throw new Error('fixture')
  const state = followingState(first, { orgId: 'org-w', clock: clock.now })
  const printed: Outcome['printed'] = []
  const edits: number[] = []
  const intervalMs = (o.intervalS ?? 30) * SECOND
  await waitForSession({
    state,
    devin: world.devin,
    orgId: 'org-w',
    settings: {
      pollIntervalSeconds: intervalMs / SECOND,
      timeoutMinutes: o.timeoutMin ?? 120,
      workspace: '/ws'
    },
    publish: async () => {
      edits.push(world.since)
    },
    scrub: (t) => t,
    log: { info: () => undefined, warning: () => undefined, debug: () => undefined },
    clock: clock.now,
    sleep: clock.sleep,
    random: lcg(o.seed ?? 7),
    print: (_title, body) => printed.push({ text: body, at: world.since })
  })
  const perPoll: number[] = []
  for (const r of world.requests) {
    if (r.kind === 'session') perPoll.push(1)
    else perPoll[perPoll.length - 1] = (perPoll.at(-1) ?? 0) + 1
  }
  const endExtraPages = Math.max(0, (perPoll.at(-1) ?? 0) - 2)
  const times = world.requests.map((r) => r.at).slice(0, world.requests.length - endExtraPages)
  const inWindow = (t: number): number => times.filter((u) => u >= t && u < t + intervalMs).length
  const perWindow = Math.max(...times.map(inWindow))
  const listedAt = new Map(world.messages.map((m) => [m.text, m.at]))
  const latencies = printed.map((p) => p.at - (listedAt.get(p.text) ?? NaN))
  const waited = world.since
  return {
    world,
    printed,
    edits,
    perPoll,
    perWindow,
    endExtraPages,
    perHour: (world.requests.length * 60 * MINUTE) / waited,
    messageLatencyMax: latencies.length ? Math.max(...latencies) : 0,
    stopLatency: (world.noticedAt ?? NaN) - (world.stoppedAt ?? NaN)
  }
}

/** Devin writes one message every `every` ms (± half of it) from `from` to `to`. */
function chatter(from: number, to: number, every: number, seed = 1): Step[] {
  const steps: Step[] = []
  const rand = lcg(seed)
  for (let at = from; at < to; at += every * (0.5 + rand())) {
    const when = Math.floor(at)
    steps.push({ at: when, say: [`note @${when}`] })
  }
  return steps
}

function stopAt(at: number, say = 'done'): Step {
  return { at, status: 'running', detail: 'finished', say: [`${say} @${at}`] }
}

/** Every Devin message printed once, in the order it was written. */
function expectAllOnce(r: Outcome): void {
  const written = r.world.messages.filter((m) => m.source === 'devin').map((m) => m.text)
  expect(r.printed.map((p) => p.text)).toEqual(written)
}

function expectBounds(r: Outcome, intervalMs: number): void {
  expect(Math.max(...r.perPoll)).toBeLessThanOrEqual(2)
  expect(r.endExtraPages).toBe(0)
  expect(r.perWindow).toBeLessThanOrEqual(2)
  expect(r.messageLatencyMax).toBeLessThanOrEqual(intervalMs + SLACK_MS)
  expect(r.stopLatency).toBeLessThanOrEqual(intervalMs + SLACK_MS)
  expect(r.stopLatency).toBeGreaterThanOrEqual(0)
}

describe('waiting: requests and lateness', () => {
  it('busy: an hour of a session that changes every second and talks every ~25 s', async () => {
    const steps = [...chatter(20 * SECOND, 60 * MINUTE, 25 * SECOND), stopAt(60 * MINUTE + 17_300)]
    const r = await follow(steps)
    expectBounds(r, 30 * SECOND)
    expectAllOnce(r)
    expect(r.world.messages.length).toBeGreaterThan(120)
    // Two requests a poll, polls at least 30 s apart: never more than 240 an hour.
    expect(r.perHour).toBeLessThanOrEqual(240)
    expect(r.perHour).toBeGreaterThan(230)
  })

  it('quiet: a message every ten minutes reaches the log as fast', async () => {
    const steps = [...chatter(MINUTE, 60 * MINUTE, 10 * MINUTE, 3), stopAt(61 * MINUTE + 29_900)]
    const r = await follow(steps, { seed: 11 })
    expectBounds(r, 30 * SECOND)
    expectAllOnce(r)
    expect(r.perHour).toBeLessThanOrEqual(240)
  })

  it('flappy: a status that changes between any two polls at a 5 s interval', async () => {
    const steps: Step[] = chatter(3 * SECOND, 10 * MINUTE, 7 * SECOND, 5)
    for (let k = 0, at = 2_500; at < 10 * MINUTE; k++, at += 5_000) {
      steps.push(k % 2 ? { at, status: 'resuming' } : { at, status: 'running', detail: 'working' })
    }
    steps.push(stopAt(10 * MINUTE + 1_234))
    const r = await follow(steps, { intervalS: 5 })
    expectBounds(r, 5 * SECOND)
    expectAllOnce(r)
    const gaps = r.edits.slice(1).map((t, i) => t - (r.edits[i] ?? 0))
    expect(gaps.length).toBeGreaterThan(10)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(10 * SECOND)
  })

  it('does not lean on updated_at: a session whose updated_at never moves', async () => {
    const steps = [...chatter(10 * SECOND, 20 * MINUTE, 45 * SECOND, 9), stopAt(20 * MINUTE + 5)]
    const r = await follow(steps, { frozenUpdatedAt: true })
    expectBounds(r, 30 * SECOND)
    expectAllOnce(r)
  })

  it('the stop is noticed within the interval wherever in it the session stops', async () => {
    for (const offset of [0, 1, 14_999, 29_799, 29_800, 29_999, 30_400]) {
      const r = await follow([stopAt(5 * MINUTE + offset)], { seed: offset })
      expect(r.stopLatency, `stop at +${offset} ms`).toBeLessThanOrEqual(30 * SECOND + SLACK_MS)
      expect(r.printed.map((p) => p.text)).toEqual([`done @${5 * MINUTE + offset}`])
    }
  })
})

describe('waiting: hostile sessions', () => {
  it('a message every second: one page a poll keeps up; past each page of 200, one poll later', async () => {
    const steps = [...chatter(SECOND, 10 * MINUTE, SECOND, 13), stopAt(10 * MINUTE + 100)]
    const r = await follow(steps)
    const n = r.world.messages.length
    expect(n).toBeGreaterThan(500)
    expectAllOnce(r)
    expect(Math.max(...r.perPoll.slice(0, -1))).toBeLessThanOrEqual(2)
    expect(r.perWindow).toBeLessThanOrEqual(2)
    expect(r.stopLatency).toBeLessThanOrEqual(30 * SECOND + SLACK_MS)
    // The API names no cursor on its last page, so a read cannot both bring the messages that
    // cross a 200-message page and learn where that page ends: those past it come a poll later.
    const listedAt = new Map(r.world.messages.map((m, i) => [m.text, { at: m.at, i }]))
    const late = r.printed.filter(
      (p) => p.at - (listedAt.get(p.text)?.at ?? 0) > 30 * SECOND + SLACK_MS
    )
    expect(late.length).toBeGreaterThan(0)
    expect(late.length).toBeLessThanOrEqual(Math.floor(n / MESSAGE_PAGE) * 40)
    for (const p of late) {
      const m = listedAt.get(p.text)
      expect(m?.i).toBeGreaterThanOrEqual(MESSAGE_PAGE)
      expect(p.at - (m?.at ?? 0)).toBeLessThanOrEqual(2 * 30 * SECOND + SLACK_MS)
    }
  })

  it('a burst of hundreds of messages in one page costs one read and arrives on time', async () => {
    const burst = Array.from({ length: MESSAGE_PAGE - 2 }, (_, i) => `burst ${i}`)
    const steps: Step[] = [
      { at: 40 * SECOND, say: ['before'] },
      { at: 61 * SECOND, say: burst },
      stopAt(3 * MINUTE)
    ]
    const r = await follow(steps)
    expectBounds(r, 30 * SECOND)
    expectAllOnce(r)
    expect(r.world.messages).toHaveLength(MESSAGE_PAGE)
  })

  it('a flood beyond a page drains a page a poll within the budget, all of it by the end', async () => {
    const flood = Array.from({ length: 450 }, (_, i) => `flood ${i}`)
    const r = await follow([{ at: 45 * SECOND, say: flood }, stopAt(4 * MINUTE)])
    expectBounds(r, 30 * SECOND * 3)
    expectAllOnce(r)
    // 450 in one go are more than the 200 a read brings: the rest follow on the next polls.
    const polls = r.world.requests.filter((q) => q.kind === 'session').map((q) => q.at)
    const printedBefore = (t: number | undefined): number =>
      r.printed.filter((p) => p.at < (t ?? Infinity)).length
    expect(polls.slice(2, 5).map(printedBefore)).toEqual([200, 400, 450])
  })

  it('a stop right after a flood prints all of it before the wait ends', async () => {
    const flood = Array.from({ length: 450 }, (_, i) => `flood ${i}`)
    const r = await follow([{ at: 59 * SECOND, say: flood }, stopAt(59 * SECOND + 500)])
    expectAllOnce(r)
    // The stop's poll reads on until the API has no more.
    expect(r.perPoll).toEqual([2, 1 + Math.ceil(451 / MESSAGE_PAGE)])
  })
})
