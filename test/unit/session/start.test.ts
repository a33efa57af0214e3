import { beforeEach, describe, expect, it } from 'vitest'
import type { Inputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import type { Trigger } from '../../../src/run/trigger.ts'
import { unconfirmedNote } from '../../../src/session/notes.ts'
import { followUpMessage } from '../../../src/session/request.ts'
import { routeHandoff, type Route } from '../../../src/session/route.ts'
import {
  CancelledError,
  startSession,
  type StartWatch,
  type Started
} from '../../../src/session/start.ts'
import type { PendingStart } from '../../../src/state/run-state.ts'
import { apiError, FakeDevin, session } from '../../helpers/fake-devin.ts'
import { forDevin } from '../../helpers/gated.ts'
import { recordingLog } from '../../helpers/log.ts'
import {
  HEAD,
  PR_URL,
  ciRun,
  ctx,
  deltaSummary,
  inputs,
  prTarget,
  sentHandoff,
  sinceLast,
  threadSession,
  type SentHandoff
} from '../../helpers/session-fixtures.ts'

const target = prTarget({}, { url: '' })

/** A comment asking for a new session (`<phrase> new`). */
const NEW = { forceNew: true, comment: { id: 1, kind: 'issue' as const } }

/** Where the pipeline would send the handoff (src/main.ts routes before it starts). */
async function routeFor(
  devin: FakeDevin,
  i: Inputs,
  t: Target,
  trigger: Pick<Trigger, 'forceNew' | 'comment'> = { forceNew: false }
): Promise<Route> {
  const routed = await routeHandoff({
    devin,
    orgId: 'org-1',
    inputs: i,
    target: t,
    trigger,
    devinHosts: ['app.devin.ai'],
    log: recordingLog()
  })
  if ('skip' in routed) throw new Error(`unexpected skip: ${routed.skip}`)
  return routed
}

describe('startSession', () => {
  let screenedTarget = target
  beforeEach(() => {
    screenedTarget = target
  })

  async function start(
    devin: FakeDevin,
    values: Record<string, string> = {},
    forceNew = false,
    prompt = 'Fix ü'
  ) {
    const i = await inputs(values)
    const trigger: Pick<Trigger, 'forceNew' | 'comment'> = forceNew ? NEW : { forceNew }
    const started = await startSession({
      devin,
      orgId: 'org-1',
      inputs: i,
      ctx,
      handoff: { prompt, screened: { target: screenedTarget, task: 'task', title: '' } },
      trigger,
      route: await routeFor(devin, i, screenedTarget, trigger),
      log: recordingLog()
    })
    if (!started) throw new Error('no budget is set here, yet the start was stopped')
    return started
  }

  it('creates a session with the tags and the run tag to settle an unknown outcome', async () => {
    const devin = new FakeDevin()
    const started = await start(devin, { tags: 'team' })
    expect(started.how).toBe('created')
    expect(started.session.sessionId).toBe('devin-new')
    expect(started.promptBytes).toBeUndefined()
    expect(devin.calls).toEqual(['create'])
    const [c] = devin.created
    expect(c?.dedupeTag).toBe('gh-run:octo/repo:77.1:default')
    expect(c?.body).toEqual({
      prompt: 'Fix ü',
      title: 'octo/repo#3: Add mul',
      tags: [
        'github-action',
        'gh:octo/repo#3:default',
        'gh-run:octo/repo:77.1:default',
        'gh:octo/repo',
        'gh:octo/repo#3',
        'team'
      ],
      repos: ['octo/repo']
    })
  })

  it('with reuse-session sends the follow-up to the live session and counts its bytes', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live', 'rev', { updated_at: 5 })]
    const started = await start(devin, { 'reuse-session': 'true', 'comment-key': 'rev' })
    expect(started.how).toBe('reused')
    expect(started.session.sessionId).toBe('devin-live')
    expect(devin.foundTags).toEqual([['gh:octo/repo#3']])
    const message = followUpMessage('Fix ü')
    expect(devin.sent.map((s) => s.message)).toEqual([message])
    // Bytes, not characters: ü takes two.
    expect(started.promptBytes).toBe(message.length + 1)
    expect(devin.created).toEqual([])
  })

  it('with reuse-session creates one when no session is live', async () => {
    const devin = new FakeDevin()
    const started = await start(devin, { 'reuse-session': 'true' })
    expect(started.how).toBe('created')
    expect(devin.calls).toEqual(['find gh:octo/repo#3', 'create'])
    expect(devin.created[0]?.body.prompt).toBe('Fix ü')
  })

  it('with reuse-session creates one when the live session refuses the message', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-gone')]
    devin.onSend = () => {
      throw apiError(409)
    }
    const started = await start(devin, { 'reuse-session': 'true' })
    expect(started.how).toBe('created')
    expect(started.promptBytes).toBeUndefined()
    expect(devin.calls).toEqual(['find gh:octo/repo#3', 'send devin-gone', 'create'])
  })

  it('keeps the live session when the follow-up answer is lost, and creates none', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live')]
    devin.onSend = () => {
      throw apiError(502)
    }
    const started = await start(devin, { 'reuse-session': 'true' })
    expect(started.how).toBe('reused')
    expect(started.session.sessionId).toBe('devin-live')
    expect(started.note).toBe(unconfirmedNote('the answer was 502'))
    expect(started.promptBytes).toBeGreaterThan(0)
    expect(devin.created).toEqual([])
  })

  it('does not create a session when the follow-up is refused otherwise', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live')]
    devin.onSend = () => {
      throw apiError(403)
    }
    await expect(start(devin, { 'reuse-session': 'true' })).rejects.toThrow(/403/)
    expect(devin.created).toEqual([])
  })

  it('names and tags the session from the screened target, not the raw one', async () => {
    const devin = new FakeDevin()
    const redacted = 'fix/[REDACTED: GitHub token]'
    screenedTarget = { ...target, headRef: redacted, pr: undefined }
    await start(devin, { 'reuse-session': 'true', 'comment-key': 'k' })
    expect(devin.foundTags).toEqual([[`gh:octo/repo@${redacted}:k`]])
    const body = devin.created[0]?.body
    expect(body?.title).toBe(`octo/repo@${redacted}: task`)
    expect(body?.tags).toContain(`gh:octo/repo@${redacted}:k`)
  })

  it('a comment asking for a new session skips reuse', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live')]
    const started = await start(devin, { 'reuse-session': 'true' }, true)
    expect(started.how).toBe('created')
    expect(devin.calls).toEqual(['create'])
  })

  describe('on a route', () => {
    type Sent = SentHandoff
    const withHead = (headSha: string): Target => prTarget({ headSha })
    const handoff = (over: Partial<Sent> = {}): Sent =>
      sentHandoff(withHead(HEAD), { sinceLast: sinceLast('devin-live'), ...over })

    async function startOn(devin: FakeDevin, route: Route, h: Sent = handoff()) {
      const started = await startSession({
        devin,
        orgId: 'org-1',
        inputs: await inputs({ 'reuse-session': 'true' }),
        ctx,
        handoff: h,
        trigger: { comment: { id: 11, kind: 'issue' } },
        route,
        log: recordingLog()
      })
      if (!started) throw new Error('no budget is set here, yet the start was stopped')
      return started
    }

    const live = threadSession('devin-live')
    const routes: Array<[string, Route]> = [
      ['a follow-up', { kind: 'follow-up', session: live, via: 'thread' }],
      ["Devin's own session", { kind: 'follow-up', session: live, via: 'devin-pr' }],
      ['an answer', { kind: 'answer', session: live, key: 'default' }]
    ]

    it.each(routes)(
      'creates a session with the whole prompt when %s finds the session gone (404)',
      async (_what, route) => {
        const devin = new FakeDevin()
        devin.onSend = () => {
          throw apiError(404)
        }
        const started = await startOn(devin, route)
        expect(devin.calls).toEqual(['send devin-live', 'create'])
        expect(devin.created[0]?.body.prompt).toBe('WHOLE')
        expect(started).toEqual({
          session: expect.objectContaining({ sessionId: 'devin-new' }),
          how: 'created',
          handedOff: { sessionId: 'devin-new', headSha: HEAD.toLowerCase() }
        })
      }
    )

    it("a session created in place of a gone asker is the asking key's (tags and run tag)", async () => {
      const devin = new FakeDevin()
      devin.onSend = () => {
        throw apiError(404)
      }
      await startOn(devin, { kind: 'answer', session: live, key: 'fix' })
      const tags = devin.created[0]?.body.tags ?? []
      expect(tags).toContain('gh:octo/repo#3:fix')
      expect(tags).not.toContain('gh:octo/repo#3:default')
      expect(devin.created[0]?.dedupeTag).toMatch(/:fix$/)
    })

    it('a create remembers the head it handed off, when the head is a commit id', async () => {
      const devin = new FakeDevin()
      const created = await startOn(devin, { kind: 'new' })
      expect(created.handedOff).toEqual({ sessionId: 'devin-new', headSha: HEAD.toLowerCase() })
      for (const headSha of ['', 'feature', '0'.repeat(40)]) {
        const h = handoff({ screened: { target: withHead(headSha), task: 'task', title: '' } })
        expect((await startOn(new FakeDevin(), { kind: 'new' }, h)).handedOff).toBeUndefined()
      }
    })

    it('a follow-up to the session of the last handoff sends the delta and remembers the head', async () => {
      const devin = new FakeDevin()
      const started = await startOn(devin, routes[0]![1])
      const message = followUpMessage('DELTA')
      expect(devin.sent.map((m) => m.message)).toEqual([message])
      expect(started).toMatchObject({
        how: 'reused',
        promptBytes: Buffer.byteLength(message),
        summary: { ...deltaSummary, promptBytes: Buffer.byteLength(message) },
        handedOff: { sessionId: 'devin-live', headSha: HEAD.toLowerCase() }
      })
      expect(devin.created).toEqual([])
    })

    it('an answer reaches the asking session and moves no handoff', async () => {
      const devin = new FakeDevin()
      const started = await startOn(devin, routes[2]![1])
      expect(devin.sent.map((m) => m.message)).toEqual([
        `@bob answered on the pull request (${PR_URL}#issuecomment-11):\n\nuse the v2 API`
      ])
      expect(started).toMatchObject({ how: 'reused', answered: true, summary: { files: 0 } })
      expect(started.handedOff).toBeUndefined()
      expect(devin.created).toEqual([])
    })

    it('a CI failure sent to a live session goes with its logs, uploaded first', async () => {
      const devin = new FakeDevin()
      devin.onSend = (id) => session(id, { tags: live.tags })
      const t = { ...withHead(HEAD), ci: ciRun }
      const h = handoff({
        prompt: 'CI FAILED',
        screened: { target: t, task: 'task', title: '' },
        sinceLast: undefined,
        ci: {
          run: ciRun,
          jobs: [{ name: 'build', failedSteps: [], file: 'ci-log-1-build.txt' }],
          files: [forDevin({ name: 'ci-log-1-build.txt', content: 'FAIL' })],
          redactions: []
        }
      })
      const ciTag = 'gh-ci:octo/repo@abcdef012345:ci'
      const gone = new FakeDevin()
      gone.onSend = () => {
        throw apiError(404)
      }
      await startOn(gone, routes[0]![1], h)
      // The create after a session that was gone takes the uploads the message took: none twice.
      expect(gone.calls).toEqual([
        `find ${ciTag}`,
        'upload ci-log-1-build.txt',
        'send devin-live',
        'create'
      ])
      expect(gone.created[0]?.body.attachment_urls).toEqual([
        'https://uploads.devin.example/ci-log-1-build.txt'
      ])
      // Already handed off, as the route's list of the PR's sessions shows: no request at all.
      const listedDevin = new FakeDevin()
      const had = session('devin-had', { tags: ['gh:octo/repo#3', ciTag] })
      const stopped = startSession({
        devin: listedDevin,
        orgId: 'org-1',
        inputs: await inputs({ 'reuse-session': 'true' }),
        ctx,
        handoff: h,
        trigger: {},
        route: { ...routes[0]![1], listed: [live, had] },
        log: recordingLog()
      })
      expect(await stopped).toBeUndefined()
      expect(listedDevin.calls).toEqual([])
      await startOn(devin, routes[0]![1], h)
      expect(devin.calls).toEqual([
        `find ${ciTag}`,
        'upload ci-log-1-build.txt',
        'send devin-live',
        'tags devin-live'
      ])
      expect(devin.sent[0]?.attachmentUrls).toEqual([
        'https://uploads.devin.example/ci-log-1-build.txt'
      ])
      expect(devin.tagged).toEqual([{ sessionId: 'devin-live', tags: [...live.tags, ciTag] }])
    })
  })

  describe('under a cancel watch', () => {
    function watch() {
      const ac = new AbortController()
      const log: string[] = []
      let settled: Promise<Started | undefined> | undefined
      let client: unknown
      const w: StartWatch = {
        signal: ac.signal,
        sending: (p: PendingStart) => {
          log.push(`sending ${p.runTag}${p.session ? ` to ${p.session.id}` : ''}`)
        },
        starting: (s, c) => {
          settled = s
          client = c
        }
      }
      return { w, ac, log, settled: () => settled, client: () => client }
    }

    async function startWatched(
      devin: FakeDevin,
      w: StartWatch,
      values: Record<string, string> = {}
    ) {
      const i = await inputs(values)
      return startSession({
        devin,
        orgId: 'org-1',
        inputs: i,
        ctx,
        handoff: { prompt: 'p', screened: { target: screenedTarget, task: 'task', title: '' } },
        trigger: {},
        route: await routeFor(devin, i, screenedTarget),
        log: recordingLog(),
        watch: w
      })
    }

    it('says what it sends, with the run tag, before it sends it, and hands over the start', async () => {
      const devin = new FakeDevin()
      const h = watch()
      devin.onCreate = async () => {
        h.log.push('create on the wire')
      }
      const started = await startWatched(devin, h.w)
      expect(h.log).toEqual(['sending gh-run:octo/repo:77.1:default', 'create on the wire'])
      expect(await h.settled()).toEqual(started)
      expect(h.client()).toBe(devin)
    })

    it('names the live session a follow-up goes to', async () => {
      const devin = new FakeDevin()
      devin.sessions = [threadSession('devin-live')]
      const h = watch()
      await startWatched(devin, h.w, { 'reuse-session': 'true' })
      expect(h.log).toEqual(['sending gh-run:octo/repo:77.1:default to devin-live'])
    })

    it('sends nothing once cancelled', async () => {
      const devin = new FakeDevin()
      devin.sessions = [threadSession('devin-live')]
      const h = watch()
      h.ac.abort()
      await expect(startWatched(devin, h.w)).rejects.toBeInstanceOf(CancelledError)
      await expect(startWatched(devin, h.w, { 'reuse-session': 'true' })).rejects.toBeInstanceOf(
        CancelledError
      )
      expect(devin.created).toEqual([])
      expect(devin.sent).toEqual([])
      expect(h.log).toEqual([])
    })

    it('cancelled mid-create: the start settles for the guard, the pipeline gets CancelledError', async () => {
      const devin = new FakeDevin()
      const h = watch()
      let answer: () => void = () => undefined
      devin.onCreate = () => new Promise<void>((resolve) => (answer = resolve))
      const started = startWatched(devin, h.w)
      const outcome = started.then(
        () => 'resolved',
        (e: unknown) => e
      )
      await new Promise((r) => setImmediate(r))
      h.ac.abort()
      answer()
      expect(await outcome).toBeInstanceOf(CancelledError)
      expect((await h.settled())?.session.sessionId).toBe('devin-new')
    })
  })
})
