import { describe, expect, it } from 'vitest'
import { liveTag } from '../../../src/state/tracking.ts'
import { encodeCursor } from '../../emulators/devin.ts'
import {
  ASKING,
  FINISHED,
  fakeRender,
  GitHubFake,
  httpError,
  seed,
  SLUG,
  WORKING,
  withPr,
  type SeedSpec
} from './fakes.ts'
import { harness, LIST, MESSAGES, PUT_TAGS } from './harness.ts'

const OTHER = 'octo/hello-world'
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i))
const state = (gh: GitHubFake, id: number | undefined) =>
  fakeRender.decode(gh.comments.get(id as number)?.body ?? '')

describe('mode: sync over a repository of 150 sessions', () => {
  const changed: SeedSpec[] = [
    {
      shown: WORKING,
      now: FINISHED,
      messages: [
        { message: 'on it' },
        { message: 'thanks', source: 'user' },
        { message: 'All done: the tests pass.' }
      ]
    },
    { shown: WORKING, now: ASKING, messages: [{ message: 'Which database should I use?' }] },
    { shown: { status: 'new', detail: '', pullRequests: [] }, now: WORKING },
    { shown: WORKING, now: withPr(WORKING) },
    { shown: ASKING, now: withPr(FINISHED), messages: [{ message: 'Done, see the PR.' }] }
  ]
  const elsewhere = (t: string[]) => t.map((x) => x.replace(SLUG, OTHER))
  const noise: SeedSpec[] = [
    // Another repository's, whose tags this one's are a prefix of: not even listed.
    ...times(10, () => ({ shown: WORKING, now: FINISHED, tags: elsewhere })),
    // This repository's live tag, but the thread tag of another: listed, never touched.
    ...times(5, () => ({
      shown: WORKING,
      now: FINISHED,
      tags: (t: string[]) => [...elsewhere(t), liveTag(SLUG)]
    })),
    ...times(10, () => ({ shown: WORKING, now: FINISHED, tags: () => [] })),
    // Tagged live by someone else's tooling, even naming the action's comment: not the action's.
    ...times(10, () => ({
      shown: WORKING,
      now: FINISHED,
      tags: (t: string[]) => t.filter((x) => !x.startsWith(`gh:${SLUG}#`))
    })),
    // Already shown as ended: no longer live, not listed.
    ...times(15, () => ({
      shown: FINISHED,
      tags: (t: string[]) => t.filter((x) => x !== liveTag(SLUG))
    }))
  ]
  const specs = [
    ...times(50, () => ({ shown: WORKING })),
    ...changed.slice(0, 3),
    ...noise,
    ...times(45, (i) => ({ shown: i % 2 ? withPr(ASKING, 2) : WORKING })),
    ...changed.slice(3)
  ]

  it('writes exactly the 5 changed, within the budgets; a second sync writes nothing', async () => {
    const h = await harness()
    const seeded = seed(h.devin, h.gh, specs)
    expect(seeded).toHaveLength(150)
    const expectedChanged = seeded.filter((_, i) => [50, 51, 52, 148, 149].includes(i))

    const first = await h.sync()
    expect(first).toMatchObject({ listed: 115, live: 100, changed: 5, synced: 5, failed: 0 })
    expect(first.sessions.map((s) => s.id).sort()).toEqual(expectedChanged.map((s) => s.id).sort())
    // 2 list pages; per changed session at most 2 Devin requests (3 stopped ones read a message).
    expect(h.devinCounts()).toEqual({ [LIST]: 2, [MESSAGES]: 3, [PUT_TAGS]: 5 })
    // 2 writes per changed session, 1 read each, and who the token is, once.
    expect(h.gh.counts()).toEqual({
      reads: 6,
      writes: 10,
      byOp: { whoAmI: 1, getComment: 5, updateComment: 5, updateCheckRun: 5 }
    })
    seeded.forEach((s, i) => {
      const wrote = expectedChanged.includes(s)
      expect([i, h.gh.writesTo(s.commentId as number)]).toEqual([i, wrote ? 1 : 0])
      expect([i, h.gh.writesTo(s.checkId as number)]).toEqual([i, wrote ? 1 : 0])
    })
    expect(h.log.warnings).toEqual([])

    const [done, asking, started, withNewPr, doneAfterAsking] = expectedChanged.map((s) => ({
      ...s,
      state: state(h.gh, s.commentId),
      check: h.gh.checks.get(s.checkId as number),
      tags: h.devin.sessions.get(s.id)?.state.tags ?? []
    }))
    expect(done?.state).toMatchObject({
      result: 'finished',
      lastMessage: 'All done: the tests pass.',
      syncedAt: h.clock.now,
      session: { status: 'exit', detail: '' },
      requestedBy: { login: 'octocat', text: 'make the tests pass' }
    })
    expect(done?.check).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(done?.tags).not.toContain(liveTag(SLUG))
    expect(done?.tags).toEqual(
      expect.arrayContaining(['gh-shown:exit/-/0', `gh-comment:${done?.commentId}`])
    )
    expect(asking?.state).toMatchObject({
      result: 'needs-input',
      lastMessage: 'Which database should I use?'
    })
    expect(asking?.check).toMatchObject({ status: 'completed', conclusion: 'action_required' })
    // An answer in Devin's app sets it working again: it stays where the next sync looks.
    expect(asking?.tags).toContain(liveTag(SLUG))
    // Still working: no message read, no result, still live.
    expect(started?.state?.result).toBeUndefined()
    expect(started?.state?.lastMessage).toBeUndefined()
    expect(started?.check).toMatchObject({ status: 'in_progress' })
    expect(started?.tags).toContain(liveTag(SLUG))
    expect(started?.tags).toContain('gh-shown:running/working/0')
    expect(withNewPr?.tags).toContain('gh-shown:running/working/1')
    expect(withNewPr?.state?.session?.pullRequests).toHaveLength(1)
    expect(doneAfterAsking?.state).toMatchObject({
      result: 'finished',
      lastMessage: 'Done, see the PR.'
    })

    h.clock.now += 600_000
    const second = await h.sync()
    // The two that ended left the index; the one asking stayed.
    expect(second).toMatchObject({ listed: 113, live: 98, changed: 0, synced: 0, failed: 0 })
    expect(h.devinCounts()).toEqual({ [LIST]: 2 })
    expect(h.gh.counts().writes).toBe(10)
    expect(h.gh.calls).toHaveLength(16)
  })
})

describe('a changed session whose comment cannot be trusted is warned about, not written', () => {
  const changedSpec: SeedSpec = {
    shown: WORKING,
    now: FINISHED,
    messages: [{ message: 'bye' }]
  }

  /** `reads`: Devin's words read, only for comments that pass the checks before any write. */
  async function withComment(
    edit: (h: Awaited<ReturnType<typeof harness>>, id: number) => void,
    reads = 1
  ) {
    const h = await harness()
    const [bad, good] = seed(h.devin, h.gh, [changedSpec, changedSpec])
    edit(h, bad?.commentId as number)
    const tagsBefore = [...(h.devin.sessions.get(bad?.id as string)?.state.tags ?? [])]
    const before = h.gh.comments.get(bad?.commentId as number)?.body
    const r = await h.sync()
    expect(r).toMatchObject({ changed: 2, synced: 1, failed: 1 })
    // Nothing of it written, its tags left for the next sync; the other one synced.
    expect(h.gh.comments.get(bad?.commentId as number)?.body).toBe(before)
    expect(h.gh.writesTo(bad?.checkId as number)).toBe(0)
    expect(h.devin.sessions.get(bad?.id as string)?.state.tags).toEqual(tagsBefore)
    expect(h.gh.writesTo(good?.commentId as number)).toBe(1)
    // Devin's words are read only for what will show them: the good one's alone.
    expect(h.devinCounts()[MESSAGES]).toBe(reads)
    expect(h.log.warnings).toHaveLength(1)
    expect(h.log.warnings[0]).toContain(`Devin session ${bad?.id}`)
    expect(h.log.warnings[0]).toContain('the next sync tries again')
    return { h, warning: h.log.warnings[0] as string, r }
  }

  it('a person’s comment carrying the marker (a forged marker)', async () => {
    const { warning } = await withComment((h, id) => {
      const c = h.gh.comments.get(id)
      if (c) Object.assign(c, { user: { login: 'mallory', type: 'User' } })
    })
    expect(warning).toMatch(/was not written by this token's identity \(its author: mallory\)/)
  })

  it('another App’s comment: GitHub refuses the edit, and the refusal is told', async () => {
    const { h, warning } = await withComment((h, id) => {
      const c = h.gh.comments.get(id)
      if (c)
        Object.assign(c, {
          user: { login: 'other-app[bot]', type: 'Bot' },
          performed_via_github_app: { slug: 'other-app' }
        })
    }, 2) // it passed every check GitHub's refusal alone could make
    expect(warning).toContain('could not update comment')
    expect(warning).toContain('403 Resource not accessible by integration')
    expect(h.gh.counts().byOp.updateComment).toBe(2)
  })

  it('a comment of the token’s that does not start with the marker of the key', async () => {
    const { warning } = await withComment((h, id) => {
      const c = h.gh.comments.get(id)
      if (c) c.body = `Thanks!\n${c.body}`
    })
    expect(warning).toMatch(/does not start with the marker of key default/)
  })

  it('a corrupted hidden state', async () => {
    const { warning } = await withComment((h, id) => {
      const c = h.gh.comments.get(id)
      if (c) c.body = c.body?.replace(/state:[A-Za-z0-9_-]{10}/, 'state:!!!!!!!!!!')
    })
    expect(warning).toMatch(/hidden state of comment \d+ is missing or unreadable/)
  })

  it('with a known login (a personal token), another person’s comment is not its own', async () => {
    const h = await harness(new GitHubFake({ login: 'octocat', as: 'octocat' }))
    const [s] = seed(h.devin, h.gh, [{ ...changedSpec, by: 'mallory' }])
    const r = await h.sync()
    expect(r).toMatchObject({ synced: 0, failed: 1 })
    expect(h.gh.counts().writes).toBe(0)
    expect(h.log.warnings[0]).toMatch(/its author: mallory/)
    expect(h.devin.sessions.get(s?.id as string)?.state.tags).toContain(liveTag(SLUG))
  })
})

describe('failures stay with their session', () => {
  it('a failing PATCH does not stop the rest; its tags are not advanced, so the next sync retries', async () => {
    const h = await harness()
    const spec: SeedSpec = { shown: WORKING, now: FINISHED, messages: [{ message: 'done' }] }
    const seeded = seed(
      h.devin,
      h.gh,
      times(6, () => spec)
    )
    const bad = seeded[2]
    h.gh.failures.push({
      op: 'updateComment',
      id: bad?.commentId,
      error: httpError(500, 'Server Error')
    })
    const first = await h.sync()
    expect(first).toMatchObject({ changed: 6, synced: 5, failed: 1 })
    expect(first.sessions.map((s) => s.id)).toEqual(
      [...seeded].reverse().map((s) => s.id) // the list's order, newest first
    )
    expect(h.log.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Devin session ${bad?.id} .*could not update comment ${bad?.commentId}: 500 Server Error`
        )
      )
    ])
    expect(h.devin.sessions.get(bad?.id as string)?.state.tags).toContain(
      'gh-shown:running/working/0'
    )
    expect(h.gh.writesTo(bad?.checkId as number)).toBe(0)

    h.log.warnings.length = 0
    const second = await h.sync()
    expect(second).toMatchObject({ changed: 1, synced: 1, failed: 0 })
    expect(second.sessions[0]?.id).toBe(bad?.id)
    expect(state(h.gh, bad?.commentId)?.result).toBe('finished')
    expect(h.devin.sessions.get(bad?.id as string)?.state.tags).toContain('gh-shown:exit/-/0')
  })

  it('a check run the token may not write: the comment and tags move on, the id is kept', async () => {
    const h = await harness()
    const [s] = seed(h.devin, h.gh, [
      { shown: WORKING, now: FINISHED, messages: [{ message: 'ok' }] }
    ])
    h.gh.failures.push({
      op: 'updateCheckRun',
      id: s?.checkId,
      error: httpError(403, 'Resource not accessible by integration')
    })
    const r = await h.sync()
    expect(r).toMatchObject({ changed: 1, synced: 1, failed: 0 })
    expect(r.sessions[0]).toMatchObject({ comment: 'updated', check: 'refused', tagged: true })
    expect(h.log.warnings).toEqual([
      expect.stringMatching(/refused to update its check run; the sync job needs `checks: write`/)
    ])
    const tags = h.devin.sessions.get(s?.id as string)?.state.tags ?? []
    expect(tags).toEqual(expect.arrayContaining([`gh-check:${s?.checkId}`, 'gh-shown:exit/-/0']))
    // Not tried again while the session does not move.
    const again = await h.sync()
    expect(again).toMatchObject({ changed: 0, synced: 0 })
  })

  it('Devin failing to list messages or take the tags: warned with status and detail', async () => {
    const h = await harness()
    const spec: SeedSpec = { shown: WORKING, now: FINISHED, messages: [{ message: 'done' }] }
    const [a, b] = seed(h.devin, h.gh, [spec, spec])
    h.devin.fault(
      {
        method: 'GET',
        path: `/v3/organizations/${h.devin.orgId}/sessions/${a?.id}/messages`,
        times: 5
      },
      { status: 503, body: { title: 'Unavailable', status: 503, detail: 'busy' } }
    )
    h.devin.fault(
      {
        method: 'PUT',
        path: `/v3/organizations/${h.devin.orgId}/sessions/${b?.id}/tags`,
        times: 5
      },
      { status: 503, body: { title: 'Unavailable', status: 503, detail: 'tags busy' } }
    )
    const r = await h.sync()
    expect(r).toMatchObject({ changed: 2, synced: 1, failed: 2 })
    const [wb, wa] = h.log.warnings
    expect(wa).toMatch(
      /could not read Devin's last message: Devin API GET .* 503 Service Unavailable: busy/
    )
    // Written before the tags failed: the next sync writes it again rather than never.
    expect(wb).toMatch(
      /could not update its tags: .*503 Service Unavailable: tags busy.*\(comment updated, check run updated before that\)/
    )
    expect(h.gh.writesTo(a?.commentId as number)).toBe(0)
    expect(h.gh.writesTo(b?.commentId as number)).toBe(1)
  })
})

describe('pace', () => {
  it('syncs 4 sessions at a time, and reports them in the list’s order', async () => {
    const h = await harness()
    const seeded = seed(
      h.devin,
      h.gh,
      times(9, () => ({ shown: WORKING, now: withPr(WORKING) }))
    )
    // The reads wait for each other: a sync that went one at a time would never get past this.
    h.gh.gate = { at: 4 }
    const r = await h.sync()
    expect(h.gh.maxInFlight).toBe(4)
    expect(r.synced).toBe(9)
    expect(r.sessions.map((s) => s.id)).toEqual([...seeded].reverse().map((s) => s.id))
  })
})

describe('where a session is shown', () => {
  it('no comment id in the tags: the comment is found by its marker on the PR, and then tagged', async () => {
    const h = await harness()
    const [s] = seed(h.devin, h.gh, [{ shown: WORKING, now: FINISHED, commentTag: false, pr: 7 }])
    // Someone pasted the marker on the same PR before the action's comment existed.
    h.gh.addComment(7, '<!-- devin-handoff:default -->\nfake', 'mallory')
    const r = await h.sync()
    expect(r).toMatchObject({ synced: 1, failed: 0 })
    expect(h.gh.counts().byOp).toMatchObject({ listComments: 1, updateComment: 1 })
    expect(h.gh.counts().byOp.getComment).toBeUndefined()
    expect(state(h.gh, s?.commentId)?.result).toBe('finished')
    expect(h.devin.sessions.get(s?.id as string)?.state.tags).toContain(
      `gh-comment:${s?.commentId}`
    )
  })

  it('a comment now showing a later session is left alone; the check run is still completed', async () => {
    const h = await harness()
    const [older, newer] = seed(h.devin, h.gh, [
      { shown: WORKING, now: FINISHED, pr: 3 },
      { shown: WORKING, pr: 3 }
    ])
    // The later handoff took over the comment: both sessions' tags name it.
    const tags = h.devin.sessions.get(older?.id as string)?.state.tags ?? []
    const i = tags.indexOf(`gh-comment:${older?.commentId}`)
    tags[i] = `gh-comment:${newer?.commentId}`
    const r = await h.sync()
    expect(r.sessions).toEqual([
      expect.objectContaining({ id: older?.id, comment: 'elsewhere', check: 'updated' })
    ])
    expect(h.gh.writesTo(newer?.commentId as number)).toBe(0)
    expect(h.gh.checks.get(older?.checkId as number)).toMatchObject({ conclusion: 'success' })
    const after = h.devin.sessions.get(older?.id as string)?.state.tags ?? []
    expect(after.filter((t) => t.startsWith('gh-comment:'))).toEqual([])
  })

  it('a deleted comment and no check run: the session is no longer live', async () => {
    const h = await harness()
    const [s] = seed(h.devin, h.gh, [{ shown: WORKING, now: withPr(WORKING), check: false }])
    h.gh.comments.delete(s?.commentId as number)
    const r = await h.sync()
    expect(r).toMatchObject({ synced: 0, failed: 0 })
    expect(r.sessions[0]).toMatchObject({ comment: 'gone', tagged: true })
    const tags = h.devin.sessions.get(s?.id as string)?.state.tags ?? []
    expect(tags).not.toContain(liveTag(SLUG))
    expect(tags.some((t) => t.startsWith('gh-comment:'))).toBe(false)
    expect(h.log.infos.join('\n')).toMatch(/its comment is gone and no check run shows it/)
  })

  it('asleep after it finished or asked: out of the index, its comment and check run kept', async () => {
    const h = await harness()
    const asleep = { status: 'suspended', detail: 'inactivity', pullRequests: [] }
    const [done, asking, working] = seed(h.devin, h.gh, [
      { shown: { status: 'running', detail: 'finished', pullRequests: [] }, now: asleep },
      { shown: ASKING, now: asleep },
      { shown: WORKING, now: asleep }
    ])
    const r = await h.sync()
    // Only the one that fell asleep mid-work is news ("Suspended"); the others keep their words.
    expect(r).toMatchObject({ changed: 3, synced: 1, failed: 0 })
    for (const s of [done, asking]) {
      expect(h.gh.writesTo(s?.commentId as number)).toBe(0)
      expect(h.gh.writesTo(s?.checkId as number)).toBe(0)
      const tags = h.devin.sessions.get(s?.id as string)?.state.tags ?? []
      expect(tags).not.toContain(liveTag(SLUG))
      expect(tags).toEqual(
        expect.arrayContaining(['gh-shown:suspended/inactivity/0', `gh-comment:${s?.commentId}`])
      )
    }
    expect(h.gh.writesTo(working?.commentId as number)).toBe(1)
    expect(state(h.gh, working?.commentId)).toMatchObject({ result: 'suspended' })
  })

  it('a deleted check run is dropped from the tags; the comment is still written', async () => {
    const h = await harness()
    const [s] = seed(h.devin, h.gh, [{ shown: WORKING, now: withPr(WORKING) }])
    h.gh.checks.delete(s?.checkId as number)
    const r = await h.sync()
    expect(r.sessions[0]).toMatchObject({ comment: 'updated', check: 'gone', tagged: true })
    const tags = h.devin.sessions.get(s?.id as string)?.state.tags ?? []
    expect(tags.filter((t) => t.startsWith('gh-check:'))).toEqual([])
    expect(tags).toContain(`gh-comment:${s?.commentId}`)
    expect(tags).toContain(liveTag(SLUG))
  })

  it('a check run alone (a branch handoff): completed from the session itself', async () => {
    const h = await harness()
    const [s] = seed(h.devin, h.gh, [
      {
        shown: WORKING,
        now: { status: 'error', detail: '', pullRequests: [] },
        comment: false,
        tags: (t) => t.map((x) => x.replace(/#\d+:default$/, '@feature:default'))
      }
    ])
    const r = await h.sync()
    expect(r).toMatchObject({ synced: 1, failed: 0 })
    expect(h.gh.checks.get(s?.checkId as number)).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      output: { summary: 'error/' }
    })
    expect(h.gh.counts().byOp.listComments).toBeUndefined()
  })
})

describe('listing', () => {
  it('stops at a repeating cursor with a warning, and syncs what it has', async () => {
    const h = await harness()
    // Listed newest first: the two changed ones are on the first page.
    seed(
      h.devin,
      h.gh,
      times(250, (i) => ({ shown: WORKING, now: i >= 248 ? FINISHED : WORKING }))
    )
    // Every page names the same next page.
    const path = `/v3/organizations/${h.devin.orgId}/sessions`
    h.devin.alterAnswers({ method: 'GET', path }, (reply) => {
      const json = reply.json as Record<string, unknown>
      return { ...reply, json: { ...json, end_cursor: encodeCursor(100), has_next_page: true } }
    })
    const r = await h.sync()
    expect(h.devinCounts()[LIST]).toBe(2)
    expect(h.log.warnings).toEqual([
      expect.stringMatching(
        /^Stopped listing Devin sessions after 2 pages \(the API repeated a cursor\)/
      )
    ])
    expect(r).toMatchObject({ listed: 200, live: 200, changed: 2, synced: 2 })
  })
})
