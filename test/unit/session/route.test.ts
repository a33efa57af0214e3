import { describe, expect, it } from 'vitest'
import type { Target } from '../../../src/run/target.ts'
import type { Trigger } from '../../../src/run/trigger.ts'
import {
  CancelledError,
  DEVIN_APP_LOGIN,
  keyOf,
  linkedSessionId,
  pickLive,
  routeHandoff,
  type Routed
} from '../../../src/session/route.ts'
import { ACTION_TAG } from '../../../src/session/tags.ts'
import { apiError, FakeDevin, session } from '../../helpers/fake-devin.ts'
import { recordingLog } from '../../helpers/log.ts'
import { PR_TAG, prTarget, threadSession } from '../../helpers/session-fixtures.ts'

const HOSTS = ['app.devin.ai']
const ID = '0123456789abcdef0123456789abcdef'
const LINK = `https://app.devin.ai/sessions/${ID}`

/** A comment's run on PR 3. */
const target = (pr: Partial<NonNullable<Target['pr']>> = {}): Target =>
  prTarget({ eventName: 'issue_comment' }, pr)

type RouteTrigger = Pick<Trigger, 'forceNew' | 'comment' | 'extraTask'>
const COMMENT = { id: 11, kind: 'issue' as const, by: 'bob' }
/** `/devin use the v2 API`: a comment with text. */
const answering: RouteTrigger = { forceNew: false, comment: COMMENT, extraTask: 'use the v2 API' }
const noComment: RouteTrigger = { forceNew: false }

function route(
  devin: FakeDevin,
  o: { reuse?: boolean; key?: string; target?: Target; trigger?: RouteTrigger } = {}
) {
  const log = recordingLog()
  const full = routeHandoff({
    devin,
    orgId: 'org-1',
    inputs: { reuseSession: o.reuse ?? false, commentKey: o.key ?? 'default' },
    target: o.target ?? target(),
    trigger: o.trigger ?? noComment,
    devinHosts: HOSTS,
    log
  })
  // The list the route read is checked on its own (`listed`), not in every route compared.
  const routed = full.then((r): Routed => {
    if ('skip' in r) return r
    const { listed: _listed, ...rest } = r
    return rest
  })
  const listed = full.then((r) => ('skip' in r ? undefined : r.listed))
  listed.catch(() => undefined) // a test of a failing route awaits `routed` only
  return { routed, listed, log }
}

const sessionOf = (r: Routed): string | undefined =>
  'kind' in r && r.kind !== 'new' ? r.session.sessionId : undefined

describe('pickLive', () => {
  it('picks the most recently updated live session', () => {
    const picked = pickLive([
      session('devin-old', { updated_at: 100 }),
      session('devin-newest', { updated_at: 300 }),
      session('devin-mid', { updated_at: 200 })
    ])
    expect(picked?.sessionId).toBe('devin-newest')
  })

  it('falls back to the creation time, and treats neither as oldest', () => {
    const picked = pickLive([
      session('devin-none'),
      session('devin-created', { created_at: 50 }),
      session('devin-updated', { updated_at: 40 })
    ])
    expect(picked?.sessionId).toBe('devin-created')
  })

  it('skips ended, failed, archived and billing-blocked sessions', () => {
    const dead = [
      session('devin-exit', { status: 'exit', updated_at: 9 }),
      session('devin-error', { status: 'error', updated_at: 9 }),
      session('devin-archived', { is_archived: true, updated_at: 9 }),
      session('devin-credits', {
        status: 'suspended',
        status_detail: 'out_of_credits',
        updated_at: 9
      })
    ]
    expect(pickLive(dead)).toBeUndefined()
    const asleep = session('devin-asleep', {
      status: 'suspended',
      status_detail: 'inactivity',
      updated_at: 1
    })
    expect(pickLive([...dead, asleep])?.sessionId).toBe('devin-asleep')
    expect(pickLive([])).toBeUndefined()
  })
})

describe('keyOf', () => {
  it('reads the key from the thread tag of this PR only', () => {
    const s = session('devin-a', {
      tags: [PR_TAG, 'gh:octo/repo#33:other', 'gh-run:octo/repo:1.1:run', `${PR_TAG}:rev/2`]
    })
    expect(keyOf(s, 'octo/repo', 3)).toBe('rev/2')
    expect(keyOf(s, 'octo/repo', 33)).toBe('other')
    expect(keyOf(s, 'octo/other', 3)).toBeUndefined()
  })

  it.each([
    ['an empty key', `${PR_TAG}:`],
    ['a space', `${PR_TAG}:bad key`],
    ['markup', `${PR_TAG}:<img src=x>`],
    ['a newline', `${PR_TAG}:a\nb`],
    ['65 characters', `${PR_TAG}:${'k'.repeat(65)}`]
  ])('takes no key with %s', (_what, tag) => {
    expect(keyOf(session('devin-a', { tags: [tag] }), 'octo/repo', 3)).toBeUndefined()
  })
})

describe('linkedSessionId', () => {
  it('reads the session a Devin app link names, in devin- form', () => {
    expect(linkedSessionId(`Link to Devin run: ${LINK}\nRequested by: bob`, HOSTS)).toBe(
      `devin-${ID}`
    )
    expect(linkedSessionId(`[run](https://app.devin.ai/sessions/devin-${ID})`, HOSTS)).toBe(
      `devin-${ID}`
    )
    expect(linkedSessionId(`see ${LINK}.`, HOSTS)).toBe(`devin-${ID}`)
  })

  it('takes the first link, on any of the hosts given, whatever their case', () => {
    const hosts = ['app.devin.ai', 'app.devin.example.com']
    const body = `https://app.devin.example.com/sessions/aaaaaaaa1\n${LINK}`
    expect(linkedSessionId(body, hosts)).toBe('devin-aaaaaaaa1')
    expect(linkedSessionId(`HTTPS://APP.DEVIN.AI/sessions/${ID}`, HOSTS)).toBe(`devin-${ID}`)
  })

  it.each([
    ['no hosts', LINK, []],
    ['plain http', `http://app.devin.ai/sessions/${ID}`, HOSTS],
    ['a javascript: URL', `[run](javascript://app.devin.ai/sessions/${ID})`, HOSTS],
    ['a javascript: URL without a host', 'javascript:alert(document.cookie)', HOSTS],
    ['another host', `https://evil.example/sessions/${ID}`, HOSTS],
    ['a host that only starts like it', `https://app.devin.ai.evil.example/sessions/${ID}`, HOSTS],
    ['a host that only ends like it', `https://evilapp.devin.ai/sessions/${ID}`, HOSTS],
    ['the host as user info', `https://app.devin.ai@evil.example/sessions/${ID}`, HOSTS],
    ['a port', `https://app.devin.ai:8443/sessions/${ID}`, HOSTS],
    ['dots as any character', `https://appxdevinxai/sessions/${ID}`, HOSTS],
    ['another path', `https://app.devin.ai/org/sessions/${ID}`, HOSTS],
    ['a dot-dot path', `https://app.devin.ai/sessions/../../api/${ID}`, HOSTS],
    ['an encoded path', `https://app.devin.ai/sessions/%2e%2e%2f${ID}`, HOSTS],
    ['an id too short', 'https://app.devin.ai/sessions/abc1234', HOSTS],
    ['a bare prefix', 'https://app.devin.ai/sessions/devin-', HOSTS],
    ['an id with dashes inside', `https://app.devin.ai/sessions/devin-${ID}-x`, HOSTS],
    ['an id too long', `https://app.devin.ai/sessions/${'a'.repeat(65)}`, HOSTS],
    ['an endless id', `https://app.devin.ai/sessions/${'a'.repeat(100_000)}`, HOSTS]
  ])('finds nothing in %s', (_what, body, hosts) => {
    expect(linkedSessionId(body, hosts)).toBeUndefined()
  })

  it('reads a huge body without trouble, and only an id of the allowed characters', () => {
    const noise = 'https://app.devin.ai/sessions/ '.repeat(20_000) + 'x'.repeat(500_000)
    expect(linkedSessionId(noise, HOSTS)).toBeUndefined()
    expect(linkedSessionId(`${noise}\n${LINK}`, HOSTS)).toBe(`devin-${ID}`)
    // A path after the id is no session link: nothing is looked up. A query is not part of it.
    expect(linkedSessionId(`https://app.devin.ai/sessions/${ID}/../../x?y=1`, HOSTS)).toBe(
      undefined
    )
    expect(linkedSessionId(`https://app.devin.ai/sessions/${ID}?y=1`, HOSTS)).toBe(`devin-${ID}`)
    // Only a link of its own: not one inside another URL, nor an id cut short.
    const inside = `https://evil.example/?next=https://app.devin.ai/sessions/${ID}`
    expect(linkedSessionId(inside, HOSTS)).toBeUndefined()
    expect(linkedSessionId(`javascript:alert('https://app.devin.ai/sessions/${ID}')`, HOSTS)).toBe(
      `devin-${ID}`
    )
    expect(linkedSessionId(`https://app.devin.ai/sessions/${ID}_evil`, HOSTS)).toBeUndefined()
    expect(linkedSessionId(`[Link to Devin run](https://app.devin.ai/sessions/${ID})`, HOSTS)).toBe(
      `devin-${ID}`
    )
  })

  it('leaves a host that is a regular expression as text', () => {
    expect(linkedSessionId(`https://a.b/sessions/${ID}`, ['.*'])).toBeUndefined()
    expect(linkedSessionId(`https://axb/sessions/${ID}`, ['a.b'])).toBeUndefined()
  })
})

describe('routeHandoff: an answer', () => {
  it.each(['waiting_for_user', 'waiting_for_approval'])(
    'sends a comment with text to the session %s, whatever reuse-session says',
    async (detail) => {
      for (const reuse of [false, true]) {
        const devin = new FakeDevin()
        const asking = threadSession('devin-ask', 'rev', { status_detail: detail })
        devin.sessions = [asking]
        const { routed, log } = route(devin, { reuse, trigger: answering })
        expect(await routed).toEqual({ kind: 'answer', session: asking, key: 'rev' })
        expect(devin.calls).toEqual([`find ${PR_TAG}`])
        expect(log.infos).toEqual([
          'Devin session devin-ask waits for an answer: the comment goes to it'
        ])
      }
    }
  )

  it.each([
    ['archived', { status_detail: 'waiting_for_user', is_archived: true }],
    ['working', { status_detail: 'working' }],
    ['finished', { status_detail: 'finished' }],
    ['asleep', { status: 'suspended', status_detail: 'inactivity' }],
    ['ended', { status: 'exit', status_detail: 'waiting_for_user' }]
  ])('does not answer a session that is %s', async (_what, over) => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-a', 'default', over)]
    const { routed } = route(devin, { trigger: answering })
    expect(await routed).toEqual({ kind: 'new' })
  })

  it('answers the newest waiting session, and only one of the action on this PR', async () => {
    const devin = new FakeDevin()
    const waiting = { status_detail: 'waiting_for_user' }
    devin.sessions = [
      threadSession('devin-older', 'a', { ...waiting, updated_at: 1 }),
      threadSession('devin-newer', 'b', { ...waiting, updated_at: 2 }),
      threadSession('devin-working', 'c', { updated_at: 3 }),
      threadSession('devin-archived', 'd', { ...waiting, is_archived: true, updated_at: 4 }),
      // Not the action's, or not this PR's: never listed for this answer.
      session('devin-manual', { ...waiting, tags: [PR_TAG], updated_at: 5 }),
      session('devin-elsewhere', { ...waiting, tags: [ACTION_TAG, 'gh:octo/repo#4'] })
    ]
    const { routed } = route(devin, { trigger: answering })
    expect(await routed).toMatchObject({ kind: 'answer', key: 'b' })
    expect(sessionOf(await routed)).toBe('devin-newer')
    expect(devin.foundTags).toEqual([[PR_TAG]])
  })

  it.each([
    ['no thread tag', [ACTION_TAG, PR_TAG]],
    ['an invalid key', [ACTION_TAG, PR_TAG, `${PR_TAG}:no good`]],
    ['another PR only', [ACTION_TAG, PR_TAG, 'gh:octo/repo#33:other']]
  ])('reports on the run key when the session has %s', async (_what, tags) => {
    const devin = new FakeDevin()
    devin.sessions = [session('devin-ask', { status_detail: 'waiting_for_user', tags })]
    const { routed } = route(devin, { key: 'mine', trigger: answering })
    expect(await routed).toMatchObject({ kind: 'answer', key: 'mine' })
  })

  it.each([
    ['`<phrase> new`', { forceNew: true, comment: COMMENT, extraTask: 'use the v2 API' }],
    ['a comment with no text', { forceNew: false, comment: COMMENT }],
    ['a comment with empty text', { forceNew: false, comment: COMMENT, extraTask: '' }],
    ['no comment', { forceNew: false, extraTask: 'use the v2 API' }]
  ])('does not take %s as an answer', async (_what, trigger: RouteTrigger) => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-ask', 'default', { status_detail: 'waiting_for_user' })]
    const { routed } = route(devin, { trigger })
    expect(await routed).toEqual({ kind: 'new' })
    expect(devin.calls).toEqual([])
  })

  it('answers no session without a PR', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-ask', 'default', { status_detail: 'waiting_for_user' })]
    const { routed } = route(devin, { target: { ...target(), pr: undefined }, trigger: answering })
    expect(await routed).toEqual({ kind: 'new' })
    expect(devin.calls).toEqual([])
  })

  it('with reuse-session and no session waiting, the comment is a follow-up as usual', async () => {
    const devin = new FakeDevin()
    const live = threadSession('devin-live', 'default', { status_detail: 'working' })
    devin.sessions = [live]
    const { routed } = route(devin, { reuse: true, trigger: answering })
    expect(await routed).toEqual({ kind: 'follow-up', session: live, via: 'thread' })
    expect(devin.calls).toEqual([`find ${PR_TAG}`])
  })
})

describe("routeHandoff: Devin's own PR", () => {
  const devinPr = (body = `Link to Devin run: ${LINK}`, author = DEVIN_APP_LOGIN) =>
    target({ author, body })

  it('with reuse-session sends the handoff to the live session the PR links', async () => {
    const devin = new FakeDevin()
    // Devin's own session carries none of the action's tags: it is found by its id alone.
    devin.sessions = [threadSession('devin-thread', 'default')]
    const { routed, log } = route(devin, { reuse: true, target: devinPr() })
    const got = await routed
    expect(got).toMatchObject({ kind: 'follow-up', via: 'devin-pr' })
    expect(sessionOf(got)).toBe(`devin-${ID}`)
    expect(devin.calls).toEqual([`get devin-${ID}`])
    expect(log.infos).toEqual([
      `Devin opened this pull request in session devin-${ID}: the handoff goes there`
    ])
  })

  it.each([404, 403])(
    'is not routed when this organization does not have the session (%i)',
    async (status) => {
      const devin = new FakeDevin()
      devin.onGet = () => {
        throw apiError(status, 'GET')
      }
      const { routed, log } = route(devin, { reuse: true, target: devinPr() })
      expect(await routed).toEqual({ kind: 'new' })
      expect(devin.calls).toEqual([`get devin-${ID}`, `find ${PR_TAG}`])
      expect(log.infos[0]).toBe(
        `The PR links Devin session devin-${ID}, which this organization does not have`
      )
    }
  )

  it.each([401, 500])('lets a %i on the lookup through', async (status) => {
    const devin = new FakeDevin()
    const err = apiError(status, 'GET')
    devin.onGet = () => {
      throw err
    }
    await expect(route(devin, { reuse: true, target: devinPr() }).routed).rejects.toBe(err)
  })

  it.each([
    ['ended', { status: 'exit' }],
    ['archived', { is_archived: true }],
    ['out of credits', { status: 'suspended', status_detail: 'out_of_credits' }]
  ])('goes to the thread when the linked session is %s', async (_what, over) => {
    const devin = new FakeDevin()
    devin.onGet = (id) => session(id, over)
    const live = threadSession('devin-thread', 'default')
    devin.sessions = [live]
    const { routed } = route(devin, { reuse: true, target: devinPr() })
    expect(await routed).toEqual({ kind: 'follow-up', session: live, via: 'thread' })
  })

  it.each([
    ['a human', 'alice'],
    ['a look-alike login', 'devin-ai-integration'],
    ['another case', 'Devin-AI-Integration[bot]'],
    ['another bot', 'dependabot[bot]']
  ])('never looks up the link when %s wrote the PR', async (_what, author) => {
    for (const trigger of [noComment, answering]) {
      const devin = new FakeDevin()
      const { routed } = route(devin, { reuse: true, target: devinPr(undefined, author), trigger })
      expect(await routed).toEqual({ kind: 'new' })
      expect(devin.calls.filter((c) => c.startsWith('get'))).toEqual([])
    }
  })

  it('ignores a link on another host', async () => {
    const devin = new FakeDevin()
    const body = `Link to Devin run: https://devin.evil.example/sessions/${ID}`
    const { routed } = route(devin, { reuse: true, target: devinPr(body) })
    expect(await routed).toEqual({ kind: 'new' })
    expect(devin.calls).toEqual([`find ${PR_TAG}`])
  })

  it('does not look the link up without reuse-session or a comment, nor when a new session is asked for', async () => {
    const devin = new FakeDevin()
    expect(await route(devin, { target: devinPr() }).routed).toEqual({ kind: 'new' })
    const forceNew = { forceNew: true }
    const again = route(devin, { reuse: true, target: devinPr(), trigger: forceNew })
    expect(await again.routed).toEqual({ kind: 'new' })
    expect(devin.calls).toEqual([])
  })

  it.each([
    ['an answer', answering, false],
    ['`<phrase> new`', { forceNew: true, comment: COMMENT, extraTask: 'x' }, false],
    ['a bare comment with reuse-session', { forceNew: false, comment: COMMENT }, true]
  ])(
    'skips %s on the PR while its session is not archived: the App delivers it',
    async (_what, trigger: RouteTrigger, reuse) => {
      for (const over of [{}, { status: 'exit' }, { status_detail: 'waiting_for_user' }]) {
        const devin = new FakeDevin()
        devin.onGet = (id) => session(id, over)
        devin.sessions = [
          threadSession('devin-ask', 'default', { status_detail: 'waiting_for_user' })
        ]
        const got = await route(devin, { reuse, target: devinPr(), trigger }).routed
        expect(got).toEqual({
          skip: `Devin's GitHub App delivers comments on the pull requests Devin opened to their session (devin-${ID}); this one is not sent twice`
        })
        expect(devin.calls).toEqual([`get devin-${ID}`])
        expect(devin.sent).toEqual([])
      }
    }
  )

  it('does not skip a comment when the linked session is archived or not ours', async () => {
    const devin = new FakeDevin()
    devin.onGet = (id) => session(id, { is_archived: true })
    const asking = threadSession('devin-ask', 'default', { status_detail: 'waiting_for_user' })
    devin.sessions = [asking]
    const got = await route(devin, { target: devinPr(), trigger: answering }).routed
    expect(got).toEqual({ kind: 'answer', session: asking, key: 'default' })
    devin.onGet = () => {
      throw apiError(404, 'GET')
    }
    const again = await route(devin, { target: devinPr(), trigger: answering }).routed
    expect(again).toEqual({ kind: 'answer', session: asking, key: 'default' })
  })
})

describe('routeHandoff under a cancel', () => {
  it('is not taken once the workflow is being cancelled: the run ends where it is', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live', 'default')]
    const cancel = new AbortController()
    const routed = routeHandoff({
      devin,
      orgId: 'org-1',
      inputs: { reuseSession: true, commentKey: 'default' },
      target: target(),
      trigger: noComment,
      devinHosts: HOSTS,
      log: recordingLog(),
      watch: { signal: cancel.signal }
    })
    cancel.abort() // while the list is in flight
    await expect(routed).rejects.toBeInstanceOf(CancelledError)
    expect(devin.calls).toEqual([`find ${PR_TAG}`])
  })
})

describe('routeHandoff: the thread', () => {
  it('with reuse-session follows up in the newest live session of this PR and key', async () => {
    const devin = new FakeDevin()
    const newest = threadSession('devin-b', 'rev', { updated_at: 2 })
    devin.sessions = [
      threadSession('devin-a', 'rev', { updated_at: 1 }),
      newest,
      threadSession('devin-other-key', 'default', { updated_at: 3 }),
      threadSession('devin-ended', 'rev', { status: 'exit', updated_at: 4 })
    ]
    const { routed, listed } = route(devin, { reuse: true, key: 'rev' })
    expect(await routed).toEqual({ kind: 'follow-up', session: newest, via: 'thread' })
    // One list of the PR's sessions, handed on for the budgets to count (no second request).
    expect(devin.foundTags).toEqual([[PR_TAG]])
    expect(await listed).toEqual(devin.sessions)
  })

  it('lists nothing for an answer that is not one and no reuse-session', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live', 'default')]
    const { listed } = route(devin, { reuse: false })
    expect(await listed).toBeUndefined()
    expect(devin.calls).toEqual([])
  })

  it('routes to a new session when none is live', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-x', 'default', { status: 'exit' })]
    const { routed, log } = route(devin, { reuse: true })
    expect(await routed).toEqual({ kind: 'new' })
    expect(log.infos).toEqual([
      `No live Devin session tagged ${PR_TAG}:default; creating a new one`
    ])
  })

  it('looks nothing up without reuse-session', async () => {
    const devin = new FakeDevin()
    devin.sessions = [threadSession('devin-live', 'default')]
    expect(await route(devin).routed).toEqual({ kind: 'new' })
    expect(devin.calls).toEqual([])
  })

  it('looks up the tag of the screened target, as the create tags it', async () => {
    const devin = new FakeDevin()
    const redacted = 'fix/[REDACTED: GitHub token]'
    const screened = { ...target(), headRef: redacted, pr: undefined }
    await route(devin, { reuse: true, key: 'k', target: screened }).routed
    expect(devin.foundTags).toEqual([[`gh:octo/repo@${redacted}:k`]])
  })
})
