import { beforeEach, describe, expect, it } from 'vitest'
import {
  DevinApiError,
  DevinMalformedResponseError,
  DevinNetworkError
} from '../../../src/devin/errors.ts'
import { parseSession, type DevinSession } from '../../../src/devin/types.ts'
import type { SessionCreateRequest } from '../../../src/devin/types.ts'
import type { RunContext } from '../../../src/run/context.ts'
import { readInputs, type Inputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import { unconfirmedNote } from '../../../src/session/notes.ts'
import { followUpMessage } from '../../../src/session/request.ts'
import {
  CancelledError,
  pickLive,
  reuse,
  startSession,
  type StartWatch,
  type Started
} from '../../../src/session/start.ts'
import type { PendingStart } from '../../../src/state/run-state.ts'
import { forDevin } from '../../helpers/gated.ts'

function session(id: string, over: Record<string, unknown> = {}): DevinSession {
  const s = parseSession({ session_id: id, status: 'running', status_detail: 'working', ...over })
  if (!s) throw new Error('bad fixture')
  return s
}

const apiError = (status: number): DevinApiError =>
  new DevinApiError(`Devin API POST failed: ${status}`, {
    status,
    detail: '',
    method: 'POST',
    path: '/v3/organizations/org-1/sessions/x/messages'
  })

/** A Devin client that answers from a script and records every call. */
class FakeDevin {
  calls: string[] = []
  found: DevinSession[] = []
  foundTags: string[][] = []
  sent: Array<{ orgId: string; sessionId: string; message: string }> = []
  created: Array<{ orgId: string; body: SessionCreateRequest; dedupeTag: string }> = []
  /** What sendMessage does: answer with a session, with nothing, or fail. */
  onSend: (id: string) => DevinSession | undefined = (id) => session(id, { status: 'running' })

  async findSessionsByTags(orgId: string, tags: string[]): Promise<DevinSession[]> {
    this.calls.push(`find ${orgId}`)
    this.foundTags.push(tags)
    return this.found
  }

  async sendMessage(
    orgId: string,
    sessionId: string,
    message: string
  ): Promise<DevinSession | undefined> {
    this.calls.push(`send ${sessionId}`)
    this.sent.push({ orgId, sessionId, message })
    return this.onSend(sessionId)
  }

  async getSession(orgId: string, sessionId: string): Promise<DevinSession> {
    this.calls.push(`get ${sessionId}`)
    return session(sessionId, { status: 'resuming' })
  }

  async terminateSession(_orgId: string, sessionId: string): Promise<DevinSession | undefined> {
    this.calls.push(`terminate ${sessionId}`)
    return undefined
  }

  /** What createSession does before answering (a test may hold it). */
  onCreate: () => Promise<void> = async () => undefined

  /** No CI logs in these runs: nothing to upload. */
  async uploadAttachment(): Promise<never> {
    throw new Error('no upload expected')
  }

  async createSession(
    orgId: string,
    body: SessionCreateRequest,
    opts: { dedupeTag: string }
  ): Promise<{ session: DevinSession; recovered: boolean }> {
    this.calls.push(`create ${orgId}`)
    await this.onCreate()
    this.created.push({ orgId, body, dedupeTag: opts.dedupeTag })
    return { session: session('devin-new', { status: 'new' }), recovered: false }
  }
}

const ctx = { owner: 'octo', repo: 'repo', runId: '77', runAttempt: '1' } as RunContext
const target: Target = {
  owner: 'octo',
  repo: 'repo',
  slug: 'octo/repo',
  eventName: 'pull_request',
  headRef: 'feature',
  headSha: '',
  baseRef: 'main',
  baseSha: '',
  pr: {
    number: 3,
    url: '',
    title: 'Add mul',
    body: '',
    author: 'alice',
    isFork: false,
    headRepo: 'octo/repo',
    draft: false
  }
}

function inputs(values: Record<string, string> = {}): Promise<Inputs> {
  const all: Record<string, string> = { prompt: 'task', ...values }
  return readInputs((n) => all[n] ?? '', '/nonexistent')
}

function logger() {
  const lines: string[] = []
  const warnings: string[] = []
  return {
    info: (m: string) => void lines.push(m),
    warning: (m: string) => void warnings.push(m),
    lines,
    warnings
  }
}

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

describe('reuse', () => {
  it('sends the message to the newest live session with the tag and returns its answer', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a', { updated_at: 1 }), session('devin-b', { updated_at: 2 })]
    const log = logger()
    const got = await reuse(devin, 'org-1', 'gh:octo/repo#3:default', forDevin('MSG'), log)
    expect(devin.foundTags).toEqual([['gh:octo/repo#3:default']])
    expect(devin.sent).toEqual([{ orgId: 'org-1', sessionId: 'devin-b', message: 'MSG' }])
    expect(got?.session.sessionId).toBe('devin-b')
    expect(got?.session.status).toBe('running')
    expect(got?.note).toBeUndefined()
    expect(devin.calls).not.toContain('get devin-b')
    expect(log.lines).toEqual(['Sent the handoff to the running session devin-b'])
  })

  it('reads the session when the message answer carries none', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a')]
    devin.onSend = () => undefined
    const got = await reuse(devin, 'org-1', 't', forDevin('MSG'), logger())
    expect(devin.calls).toEqual(['find org-1', 'send devin-a', 'get devin-a'])
    expect(got?.session.status).toBe('resuming')
  })

  it('returns nothing when no session is live', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-x', { status: 'exit' })]
    const log = logger()
    expect(await reuse(devin, 'org-1', 'tag-1', forDevin('MSG'), log)).toBeUndefined()
    expect(devin.sent).toEqual([])
    expect(log.lines).toEqual(['No live Devin session tagged tag-1; creating a new one'])
  })

  it.each([404, 400, 409])(
    'returns nothing when the session can no longer take messages (%i)',
    async (status) => {
      const devin = new FakeDevin()
      devin.found = [session('devin-a')]
      devin.onSend = () => {
        throw apiError(status)
      }
      const log = logger()
      expect(await reuse(devin, 'org-1', 't', forDevin('MSG'), log)).toBeUndefined()
      expect(log.lines).toEqual([
        `Session devin-a can no longer take messages (${status}); creating a new one`
      ])
    }
  )

  it.each([401, 403, 422, 429])('lets other refusals (%i) through', async (status) => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a')]
    const err = apiError(status)
    devin.onSend = () => {
      throw err
    }
    await expect(reuse(devin, 'org-1', 't', forDevin('MSG'), logger())).rejects.toBe(err)
  })

  it('lets a failure without a status through', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a')]
    devin.onSend = () => {
      throw new Error('socket hang up')
    }
    await expect(reuse(devin, 'org-1', 't', forDevin('MSG'), logger())).rejects.toThrow(
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
  ])('keeps the live session after %s: the message may have arrived', async (_what, err, why) => {
    const devin = new FakeDevin()
    const live = session('devin-a', { status: 'suspended', status_detail: 'inactivity' })
    devin.found = [live]
    devin.onSend = () => {
      throw err
    }
    const log = logger()
    const got = await reuse(devin, 'org-1', 't', forDevin('MSG'), log)
    // The live session as listed: no second request that could fail the run as well.
    expect(got?.session).toBe(live)
    expect(got?.note).toBe(unconfirmedNote(why))
    expect(got?.note).toMatch(/delivery could not be confirmed/)
    expect(devin.calls).toEqual(['find org-1', 'send devin-a'])
    expect(log.warnings).toEqual([
      `Sending the handoff to the running session devin-a may or may not have worked (${err.message}); keeping that session rather than starting a second one.`
    ])
  })

  it('keeps server text out of the note', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a')]
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
    const got = await reuse(devin, 'org-1', 't', forDevin('MSG'), logger())
    expect(got?.note).toBe(unconfirmedNote('the answer was 502'))
    expect(got?.note).not.toMatch(/script|@team|\|/)
  })

  it('runs beforeSend with the live session just before the message, and not at all without one', async () => {
    const devin = new FakeDevin()
    const seen: string[] = []
    const before = (live: DevinSession): void => {
      seen.push(`before ${live.sessionId} after ${devin.calls.join(', ')}`)
    }
    await reuse(devin, 'org-1', 't', forDevin('MSG'), logger(), before)
    expect(seen).toEqual([])
    devin.found = [session('devin-a')]
    await reuse(devin, 'org-1', 't', forDevin('MSG'), logger(), before)
    expect(seen).toEqual(['before devin-a after find org-1, find org-1'])
    expect(devin.calls.at(-1)).toBe('send devin-a')
  })

  it('sends nothing when beforeSend refuses', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a')]
    const refuse = (): void => {
      throw new CancelledError()
    }
    await expect(
      reuse(devin, 'org-1', 't', forDevin('MSG'), logger(), refuse)
    ).rejects.toBeInstanceOf(CancelledError)
    expect(devin.sent).toEqual([])
  })
})

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
    const started = await startSession({
      devin,
      orgId: 'org-1',
      inputs: await inputs(values),
      ctx,
      handoff: { prompt, screened: { target: screenedTarget, task: 'task', title: '' } },
      trigger: { forceNew },
      log: logger()
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
    expect(devin.calls).toEqual(['create org-1'])
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
    devin.found = [session('devin-live', { updated_at: 5 })]
    const started = await start(devin, { 'reuse-session': 'true', 'comment-key': 'rev' })
    expect(started.how).toBe('reused')
    expect(started.session.sessionId).toBe('devin-live')
    expect(devin.foundTags).toEqual([['gh:octo/repo#3:rev']])
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
    expect(devin.calls).toEqual(['find org-1', 'create org-1'])
    expect(devin.created[0]?.body.prompt).toBe('Fix ü')
  })

  it('with reuse-session creates one when the live session refuses the message', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-gone')]
    devin.onSend = () => {
      throw apiError(409)
    }
    const started = await start(devin, { 'reuse-session': 'true' })
    expect(started.how).toBe('created')
    expect(started.promptBytes).toBeUndefined()
    expect(devin.calls).toEqual(['find org-1', 'send devin-gone', 'create org-1'])
  })

  it('keeps the live session when the follow-up answer is lost, and creates none', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-live')]
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
    devin.found = [session('devin-live')]
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
    devin.found = [session('devin-live')]
    const started = await start(devin, { 'reuse-session': 'true' }, true)
    expect(started.how).toBe('created')
    expect(devin.calls).toEqual(['create org-1'])
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
      return startSession({
        devin,
        orgId: 'org-1',
        inputs: await inputs(values),
        ctx,
        handoff: { prompt: 'p', screened: { target: screenedTarget, task: 'task', title: '' } },
        trigger: { forceNew: false },
        log: logger(),
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
      devin.found = [session('devin-live')]
      const h = watch()
      await startWatched(devin, h.w, { 'reuse-session': 'true' })
      expect(h.log).toEqual(['sending gh-run:octo/repo:77.1:default to devin-live'])
    })

    it('sends nothing once cancelled', async () => {
      const devin = new FakeDevin()
      devin.found = [session('devin-live')]
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
