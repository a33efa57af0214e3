/**
 * End to end: `mode: sync` of the built action over a repository of 150 Devin sessions laid out
 * as earlier handoffs left them (./../helpers/sync-seed.ts): only the 5 whose state changed are
 * written, sessions of other repositories and sessions the action did not make are never touched,
 * and a second sync writes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { schedulePayload } from '../helpers/events.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { OWNER, prScenario, REPO, type PrScenario } from '../helpers/scenario.ts'
import { liveTag } from '../../src/state/tracking.ts'
import { seedEmulators } from '../helpers/sync-seed.ts'
import { ASKING, FINISHED as ENDED, WORKING, type SeedSpec } from '../unit/sync/fakes.ts'

const FINISHED = { ...WORKING, detail: 'finished' }

const SLUG = `${OWNER}/${REPO}`
const LIST = 'GET /v3/organizations/:org/sessions'
const MESSAGES = 'GET /v3/organizations/:org/sessions/:id/messages'
const PUT_TAGS = 'PUT /v3/organizations/:org/sessions/:id/tags'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i))
const withPr = (s: typeof WORKING, n: number) => ({
  ...s,
  pullRequests: [`https://github.com/${SLUG}/pull/${n}`]
})

function sync(s: PrScenario): Promise<ActionResult> {
  return s.run({ mode: 'sync', prompt: '' }, { eventName: 'schedule', payload: schedulePayload() })
}

describe('mode: sync over 150 sessions', () => {
  it('writes exactly the 5 that changed, touches nothing else, and a second sync writes nothing', async () => {
    const s = await prScenario({ prNumber: 1 })
    cleanups.push(() => s.close())
    const pr = (i: number): number => 100 + (i % 60)
    const changed: SeedSpec[] = [
      {
        shown: WORKING,
        now: { ...ENDED, acus: 4.25 },
        messages: [{ message: 'On it.' }, { message: 'Fixed the flaky date test; all green.' }],
        pr: 11
      },
      {
        shown: WORKING,
        now: ASKING,
        messages: [{ message: 'Should the fix go to `main` or to the release branch?' }],
        pr: 12
      },
      { shown: { ...WORKING, status: 'new', detail: '' }, now: WORKING, pr: 13 },
      { shown: WORKING, now: withPr(WORKING, 99), pr: 14 },
      {
        shown: ASKING,
        now: withPr(FINISHED, 98),
        messages: [{ message: 'Done: the fix is in #98.' }],
        pr: 15
      }
    ]
    const other = (t: string[]) => t.map((x) => x.split(SLUG).join(`${SLUG}-legacy`))
    const specs: SeedSpec[] = [
      ...times(60, (i) => ({ shown: WORKING, pr: pr(i) })),
      ...changed.slice(0, 3),
      ...times(37, (i) => ({ shown: i % 3 ? WORKING : ASKING, pr: pr(i) })),
      ...changed.slice(3),
      // Another repository's sessions, whose name this one's is a prefix of: never listed.
      ...times(20, (i) => ({ shown: WORKING, now: ENDED, pr: pr(i), tags: other })),
      // Sessions without the action's tags at all.
      ...times(10, (i) => ({ shown: WORKING, now: ENDED, pr: pr(i), tags: () => ['nightly'] })),
      // Tagged live by someone, but not by the action for this repository: listed, never touched.
      ...times(10, (i) => ({
        shown: WORKING,
        now: ENDED,
        pr: pr(i),
        tags: (t: string[]) => [...other(t), liveTag(SLUG)]
      })),
      // Already shown as ended: out of the live index, not read again.
      ...times(8, (i) => ({
        shown: ENDED,
        now: ENDED,
        pr: pr(i),
        tags: (t: string[]) => t.filter((x) => x !== liveTag(SLUG))
      }))
    ]
    const seeded = seedEmulators(s.devin, s.github, specs)
    expect(seeded).toHaveLength(150)
    const changedIds = new Set([60, 61, 62, 100, 101].map((i) => seeded[i]?.id))
    const bodies = new Map(s.github.comments.map((c) => [c.id, c.body]))

    const first = await sync(s)
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.outputs.synced).toBe('5')
    expect(first.outputs.result).toBe('')
    // One page of 100 and one of the remaining 10 listed by the live tag.
    expect(s.devin.requestCounts()).toEqual({ [LIST]: 2, [MESSAGES]: 3, [PUT_TAGS]: 5 })
    expect(s.github.writeCount).toBe(10)
    for (const [i, seed] of seeded.entries()) {
      const wrote = changedIds.has(seed.id)
      const comment = s.github.comments.find((c) => c.id === seed.commentId)
      expect([i, comment?.body !== bodies.get(seed.commentId as number)]).toEqual([i, wrote])
      const run = s.github.checkRuns.find((r) => r.id === seed.checkId)
      expect([i, run?.history.length]).toEqual([i, wrote ? 2 : 1]) // the seed, and the sync's write
    }
    const body = (i: number): string =>
      s.github.comments.find((c) => c.id === seeded[i]?.commentId)?.body ?? ''
    const check = (i: number) => s.github.checkRuns.find((r) => r.id === seeded[i]?.checkId)
    expect(body(60)).toMatch(/✅ Finished/)
    expect(body(60)).toMatch(/4\.25 ACUs/)
    expect(body(60)).toMatch(/Fixed the flaky date test; all green\./)
    expect(check(60)).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(body(61)).toMatch(/💬 Needs input/)
    expect(body(61)).toMatch(/Devin asks:/)
    expect(body(61)).toMatch(/release branch/)
    expect(check(61)).toMatchObject({ status: 'completed', conclusion: 'action_required' })
    expect(body(62)).toMatch(/⏳ Working/)
    expect(check(62)).toMatchObject({ status: 'in_progress' })
    expect(body(100)).toMatch(/#99/)
    expect(body(101)).toMatch(/Done: the fix is in #98\./)
    // Who asked, and the handoff, come back from the comment's own hidden state.
    expect(body(60)).toMatch(/Requested by @\u200boctocat: fix it/)
    // The ended one left the index; the asking one stays, since an answer sets Devin going again.
    const tags = (i: number): string[] =>
      s.devin.sessions.get(seeded[i]?.id ?? '')?.state.tags ?? []
    expect(tags(60)).not.toContain(liveTag(SLUG))
    expect(tags(61)).toContain(liveTag(SLUG))
    expect(tags(60)).toContain('gh-shown:exit/-/0')

    const requestsBefore = s.devin.requests.length
    const again = await sync(s)
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(again.outputs.synced).toBe('0')
    expect(s.github.writeCount).toBe(10)
    expect(s.devin.requestCounts(requestsBefore)).toEqual({ [LIST]: 2 })
    expect(again.summary).toMatch(
      /No session changed since its comment and check run last showed it\./
    )
  })

  it('takes no task: a prompt left in a copied workflow is ignored with a notice', async () => {
    const s = await prScenario({ prNumber: 1 })
    cleanups.push(() => s.close())
    const r = await s.run(
      { mode: 'sync', prompt: 'Review this' },
      { eventName: 'schedule', payload: schedulePayload() }
    )
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.outputs.synced).toBe('0')
    const notices = r.commands.filter((c) => c.command === 'notice').map((c) => c.message)
    expect(notices).toContain("mode 'sync' takes no task; 'prompt' and 'prompt-file' are ignored.")
    expect(s.devin.createCount).toBe(0)
    expect(s.github.writeCount).toBe(0)
  })
})
