import { describe, expect, it } from 'vitest'
import {
  DevinApiError,
  DevinMalformedResponseError,
  DevinNetworkError
} from '../../../src/devin/errors.ts'
import type { DevinSession } from '../../../src/devin/types.ts'
import type { ForDevin } from '../../../src/egress/devin.ts'
import type { Target } from '../../../src/run/target.ts'
import { deliver, sendTo, type FollowUpOptions } from '../../../src/session/follow-up.ts'
import { unconfirmedNote } from '../../../src/session/notes.ts'
import { followUpMessage } from '../../../src/session/request.ts'
import type { Route } from '../../../src/session/route.ts'

/** A route that sends a message (every one but a new session). */
type MessageRoute = Exclude<Route, { kind: 'new' }>
import { CancelledError } from '../../../src/session/start.ts'
import { apiError, FakeDevin, session } from '../../helpers/fake-devin.ts'
import { forDevin } from '../../helpers/gated.ts'
import { recordingLog } from '../../helpers/log.ts'
import {
  FROM,
  HEAD,
  PR_URL,
  ciRun,
  deltaSummary,
  prTarget,
  sentHandoff,
  sinceLast,
  type SentHandoff
} from '../../helpers/session-fixtures.ts'

describe('sendTo', () => {
  const live = session('devin-a', { status: 'suspended', status_detail: 'inactivity' })

  it('sends the message to the session and returns its answer', async () => {
    const devin = new FakeDevin()
    const log = recordingLog()
    const got = await sendTo(devin, 'org-1', live, forDevin('MSG'), log)
    expect(devin.sent).toEqual([{ orgId: 'org-1', sessionId: 'devin-a', message: 'MSG' }])
    expect(got?.session.sessionId).toBe('devin-a')
    expect(got?.session.status).toBe('running')
    expect(got?.note).toBeUndefined()
    expect(devin.calls).not.toContain('get devin-a')
    expect(log.infos).toEqual(['Sent the handoff to the running session devin-a'])
  })

  it('reads the session when the message answer carries none', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => undefined
    const got = await sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog())
    expect(devin.calls).toEqual(['send devin-a', 'get devin-a'])
    expect(got?.session.status).toBe('resuming')
  })

  it('carries the attachment URLs on the message', async () => {
    const devin = new FakeDevin()
    const urls = ['https://uploads.devin.example/ci-log-1-build.txt']
    await sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog(), { attachmentUrls: urls })
    expect(devin.sent[0]?.attachmentUrls).toEqual(urls)
  })

  it.each([404, 400, 409])(
    'returns nothing when the session can no longer take messages (%i)',
    async (status) => {
      const devin = new FakeDevin()
      devin.onSend = () => {
        throw apiError(status)
      }
      const log = recordingLog()
      expect(await sendTo(devin, 'org-1', live, forDevin('MSG'), log)).toBeUndefined()
      expect(log.infos).toEqual([
        `Session devin-a can no longer take messages (${status}); creating a new one`
      ])
    }
  )

  it.each([401, 403, 422, 429])('lets other refusals (%i) through', async (status) => {
    const devin = new FakeDevin()
    const err = apiError(status)
    devin.onSend = () => {
      throw err
    }
    await expect(sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog())).rejects.toBe(err)
  })

  it('lets a failure without a status through', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => {
      throw new Error('socket hang up')
    }
    await expect(sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog())).rejects.toThrow(
      'socket hang up'
    )
  })

  const network = (timedOut: boolean) =>
    new DevinNetworkError(`Devin API POST /messages failed: ${timedOut ? 'timed out' : 'reset'}`, {
      method: 'POST',
      path: '/v3/organizations/org-1/sessions/devin-a/messages',
      code: timedOut ? 'TimeoutError' : 'ECONNRESET',
      timedOut
    })
  const malformed = new DevinMalformedResponseError(
    'Devin API POST returned an unusable response',
    {
      status: 200,
      detail: 'bad JSON',
      method: 'POST',
      path: '/x'
    }
  )

  it.each([
    ['a 502', apiError(502), 'the answer was 502'],
    ['a 500', apiError(500), 'the answer was 500'],
    ['a 408', apiError(408), 'the answer was 408'],
    ['a dropped connection', network(false), 'the connection failed before the answer'],
    ['a timeout', network(true), 'no answer came in time'],
    ['an unreadable answer', malformed, 'its answer could not be read']
  ])('keeps the session after %s: the message may have arrived', async (_what, err, why) => {
    const devin = new FakeDevin()
    devin.onSend = () => {
      throw err
    }
    const log = recordingLog()
    const got = await sendTo(devin, 'org-1', live, forDevin('MSG'), log)
    // The session as routed: no second request that could fail the run as well.
    expect(got?.session).toBe(live)
    expect(got?.note).toBe(unconfirmedNote(why))
    expect(got?.note).toMatch(/delivery could not be confirmed/)
    expect(devin.calls).toEqual(['send devin-a'])
    expect(log.warnings).toEqual([
      `Sending the handoff to the running session devin-a may or may not have worked (${err.message}); keeping that session rather than starting a second one.`
    ])
  })

  it('keeps server text out of the note', async () => {
    const devin = new FakeDevin()
    const err = new DevinApiError(
      'Devin API POST failed: 502 Bad Gateway: <script>x</script> | @team',
      {
        status: 502,
        detail: '<script>x</script> | @team',
        method: 'POST',
        path: '/x'
      }
    )
    devin.onSend = () => {
      throw err
    }
    const got = await sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog())
    expect(got?.note).toBe(unconfirmedNote('the answer was 502'))
    expect(got?.note).not.toMatch(/script|@team|\|/)
  })

  it('runs beforeSend with the session just before the message', async () => {
    const devin = new FakeDevin()
    const seen: string[] = []
    const before = (s: DevinSession): void => {
      seen.push(`before ${s.sessionId} after [${devin.calls.join(', ')}]`)
    }
    await sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog(), { beforeSend: before })
    expect(seen).toEqual(['before devin-a after []'])
    expect(devin.calls).toEqual(['send devin-a'])
  })

  it('sends nothing when beforeSend refuses', async () => {
    const devin = new FakeDevin()
    const refuse = (): void => {
      throw new CancelledError()
    }
    await expect(
      sendTo(devin, 'org-1', live, forDevin('MSG'), recordingLog(), { beforeSend: refuse })
    ).rejects.toBeInstanceOf(CancelledError)
    expect(devin.sent).toEqual([])
  })
})

const CI_TAG = 'gh-ci:octo/repo@abcdef012345:ci'
const UPLOADED = 'https://uploads.devin.example/ci-log-1-build.txt'

/** A comment's run on PR 3 at its head. */
const target = (over: Partial<Target> = {}): Target =>
  prTarget({ eventName: 'issue_comment', headSha: HEAD, ...over })

type Sent = SentHandoff
const handoff = (over: Partial<Sent> = {}): Sent => sentHandoff(target(), over)

const ciHandoff = (): Sent => {
  const t = target({ eventName: 'workflow_run', ci: ciRun })
  return handoff({
    prompt: 'CI FAILED',
    screened: { target: t, task: 'task', title: '' },
    ci: {
      run: ciRun,
      jobs: [{ name: 'build', failedSteps: ['test'], file: 'ci-log-1-build.txt' }],
      files: [forDevin({ name: 'ci-log-1-build.txt', content: 'FAIL' })],
      redactions: []
    }
  })
}

const thread = (s: DevinSession): MessageRoute => ({ kind: 'follow-up', session: s, via: 'thread' })

function options(devin: FakeDevin, route: MessageRoute, h: Sent) {
  const log = recordingLog()
  const screened: unknown[] = []
  const o: FollowUpOptions = {
    devin,
    orgId: 'org-1',
    route,
    handoff: h,
    trigger: { comment: { id: 11, kind: 'issue', by: 'bob' } },
    commentKey: 'default',
    // A screen that visibly redacts: what is sent must be what came out of it.
    screen: async <T>(value: T): Promise<ForDevin<T>> => {
      screened.push(value)
      const out = typeof value === 'string' ? value.replaceAll('SECRET', '[REDACTED]') : value
      return out as ForDevin<T>
    },
    upload: async () => {
      devin.calls.push('upload')
      return h.ci ? [UPLOADED] : undefined
    },
    beforeSend: () => undefined,
    log
  }
  return { o, log, screened }
}

describe('deliver: an answer', () => {
  const asking = session('devin-ask', { status_detail: 'waiting_for_user', tags: ['t'] })
  const answer: MessageRoute = { kind: 'answer', session: asking, key: 'rev' }

  it('sends who answered, where, and what, and nothing of the change', async () => {
    const devin = new FakeDevin()
    const h = handoff({ sinceLast: sinceLast('devin-ask') })
    const { o } = options(devin, answer, h)
    const got = await deliver(o)
    const text = `@bob answered on the pull request (${PR_URL}#issuecomment-11):\n\nuse the v2 API`
    expect(devin.sent).toEqual([{ orgId: 'org-1', sessionId: 'devin-ask', message: text }])
    expect(got).toEqual({
      session: expect.objectContaining({ sessionId: 'devin-ask' }),
      note: undefined,
      promptBytes: Buffer.byteLength(text),
      summary: {
        promptBytes: Buffer.byteLength(text),
        files: 0,
        source: 'none',
        truncated: false,
        omitted: 0,
        redactions: 0
      },
      handedOff: undefined,
      answered: true
    })
  })

  it('links a review comment by its anchor', async () => {
    const devin = new FakeDevin()
    const { o } = options(devin, answer, handoff())
    await deliver({ ...o, trigger: { comment: { id: 42, kind: 'review' } } })
    expect(devin.sent[0]?.message).toContain(`(${PR_URL}#discussion_r42)`)
  })

  it('sends the screened text, and uploads nothing even for a CI handoff', async () => {
    const devin = new FakeDevin()
    const h = ciHandoff()
    h.screened.requestedBy = { login: 'bob', text: 'the key is SECRET' }
    const { o, screened } = options(devin, answer, h)
    await deliver(o)
    expect(screened[0]).toMatch(/the key is SECRET$/)
    expect(devin.sent[0]?.message).toMatch(/the key is \[REDACTED\]$/)
    expect(devin.sent[0]?.attachmentUrls).toBeUndefined()
    expect(devin.calls).not.toContain('upload')
  })

  it('counts the bytes of what was sent, not of the text before the screen', async () => {
    const devin = new FakeDevin()
    const h = handoff()
    h.screened.requestedBy = { login: 'bob', text: 'SECRET ü' }
    const got = await deliver(options(devin, answer, h).o)
    expect(got?.promptBytes).toBe(Buffer.byteLength(devin.sent[0]?.message ?? ''))
    expect(got?.summary?.promptBytes).toBe(got?.promptBytes)
  })
})

describe('deliver: a follow-up', () => {
  const live = session('devin-a', { tags: ['gh:octo/repo#3:default'] })

  it('sends only the change since the last handoff when that went to this session', async () => {
    const devin = new FakeDevin()
    const got = await deliver(
      options(devin, thread(live), handoff({ sinceLast: sinceLast('devin-a') })).o
    )
    const message = followUpMessage('DELTA')
    expect(devin.sent.map((s) => s.message)).toEqual([message])
    expect(got?.summary).toEqual({ ...deltaSummary, promptBytes: Buffer.byteLength(message) })
    expect(got?.handedOff).toEqual({ sessionId: 'devin-a', headSha: HEAD.toLowerCase() })
    expect(got?.answered).toBeUndefined()
  })

  it('sends the whole change when the last handoff went to another session', async () => {
    const devin = new FakeDevin()
    const h = handoff({ sinceLast: sinceLast('devin-other') })
    const got = await deliver(options(devin, thread(live), h).o)
    expect(devin.sent.map((s) => s.message)).toEqual([followUpMessage('WHOLE')])
    expect(got?.summary).toBeUndefined()
    expect(got?.handedOff).toEqual({ sessionId: 'devin-a', headSha: HEAD.toLowerCase() })
  })

  it("sends the whole change to Devin's own session with no last handoff", async () => {
    const devin = new FakeDevin()
    const own: MessageRoute = { kind: 'follow-up', session: session('devin-own'), via: 'devin-pr' }
    const got = await deliver(options(devin, own, handoff()).o)
    expect(devin.sent).toEqual([
      { orgId: 'org-1', sessionId: 'devin-own', message: followUpMessage('WHOLE') }
    ])
    expect(got?.promptBytes).toBe(Buffer.byteLength(followUpMessage('WHOLE')))
    expect(got?.handedOff).toEqual({ sessionId: 'devin-own', headSha: HEAD.toLowerCase() })
    // From now on it is this thread's session: budgets count it, a sync refreshes its comment.
    const joined = ['github-action', 'gh:octo/repo#3:default', 'gh:octo/repo', 'gh:octo/repo#3']
    expect(devin.tagged).toEqual([{ sessionId: 'devin-own', tags: joined }])
    expect(got?.session.tags).toEqual(joined)
  })

  it('remembers no head that is not a commit id', async () => {
    for (const headSha of ['', 'feature', '0'.repeat(40), `${HEAD}0`]) {
      const devin = new FakeDevin()
      const h = handoff()
      h.screened.target = target({ headSha })
      const got = await deliver(options(devin, thread(live), h).o)
      expect(got?.handedOff).toBeUndefined()
      expect(devin.sent).toHaveLength(1)
    }
  })

  it('keeps what the comment remembers when the delivery is unconfirmed', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => {
      throw apiError(502)
    }
    const got = await deliver(
      options(devin, thread(live), handoff({ sinceLast: sinceLast('devin-a') })).o
    )
    expect(got?.session).toBe(live)
    expect(got?.note).toBe(unconfirmedNote('the answer was 502'))
    expect(got?.handedOff).toBeUndefined()
    // What was sent is still what the report shows.
    expect(got?.summary?.since).toBe(FROM)
  })

  it('gives the start nothing when the session is gone, and tags nothing', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => {
      throw apiError(404)
    }
    expect(await deliver(options(devin, thread(live), ciHandoff()).o)).toBeUndefined()
    expect(devin.tagged).toEqual([])
  })

  it('runs beforeSend after the screen and the upload, just before the message', async () => {
    const devin = new FakeDevin()
    const { o } = options(devin, thread(live), ciHandoff())
    const seen: string[] = []
    await deliver({ ...o, beforeSend: (s) => void seen.push(`${s.sessionId}: ${devin.calls}`) })
    expect(seen).toEqual(['devin-a: upload'])
  })
})

describe('deliver: a CI failure', () => {
  const live = session('devin-a', { tags: ['github-action', 'gh:octo/repo#3:default'] })

  it('attaches the logs and tags the session so that a re-run finds it', async () => {
    const devin = new FakeDevin()
    devin.onSend = (id) => session(id, { tags: live.tags })
    const { o, screened } = options(devin, thread(live), ciHandoff())
    const got = await deliver(o)
    expect(devin.calls).toEqual(['upload', 'send devin-a', 'tags devin-a'])
    expect(devin.sent).toEqual([
      {
        orgId: 'org-1',
        sessionId: 'devin-a',
        message: followUpMessage('CI FAILED'),
        attachmentUrls: [UPLOADED]
      }
    ])
    const tags = [...live.tags, CI_TAG]
    expect(devin.tagged).toEqual([{ sessionId: 'devin-a', tags }])
    // The tags pass the screen like every field sent.
    expect(screened).toContainEqual(tags)
    expect(got?.session.tags).toEqual(tags)
    // A failure is not a new state of the change: the comment keeps its last handoff.
    expect(got?.handedOff).toBeUndefined()
  })

  it('adds the tag to the tags read back when the message answer carries no session', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => undefined
    devin.onGet = (id) => session(id, { tags: live.tags })
    const got = await deliver(options(devin, thread(live), ciHandoff()).o)
    const tags = [...live.tags, CI_TAG]
    expect(devin.calls).toEqual(['upload', 'send devin-a', 'get devin-a', 'tags devin-a'])
    expect(devin.tagged).toEqual([{ sessionId: 'devin-a', tags }])
    expect(got?.session.tags).toEqual(tags)
  })

  it('does not tag a session that has the tag', async () => {
    const devin = new FakeDevin()
    devin.onSend = (id) => session(id, { tags: [...live.tags, CI_TAG] })
    await deliver(options(devin, thread(live), ciHandoff()).o)
    expect(devin.tagged).toEqual([])
  })

  it('tags the session when the delivery is unconfirmed: a re-run must not send it again', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => {
      throw apiError(502)
    }
    const got = await deliver(options(devin, thread(live), ciHandoff()).o)
    expect(devin.tagged).toEqual([{ sessionId: 'devin-a', tags: [...live.tags, CI_TAG] }])
    expect(got?.note).toBe(unconfirmedNote('the answer was 502'))
  })

  it('only warns when the tag cannot be written', async () => {
    const devin = new FakeDevin()
    devin.onSend = () => undefined
    devin.onGet = (id) => session(id, { tags: live.tags })
    devin.onTags = () => {
      throw apiError(500, 'PUT')
    }
    const { o, log } = options(devin, thread(live), ciHandoff())
    const got = await deliver(o)
    expect(got?.session.tags).toEqual(live.tags)
    expect(got?.note).toBeUndefined()
    expect(log.warnings).toEqual([
      `Could not tag session devin-a with ${CI_TAG} (Devin API PUT failed: 500); a later run may not find it (a CI re-run may send the failure again).`
    ])
  })
})
