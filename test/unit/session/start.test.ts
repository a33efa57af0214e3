import { beforeEach, describe, expect, it } from 'vitest'
import { DevinApiError } from '../../../src/devin/errors.ts'
import { parseSession, type DevinSession } from '../../../src/devin/types.ts'
import type { SessionCreateRequest } from '../../../src/devin/types.ts'
import type { RunContext } from '../../../src/run/context.ts'
import { readInputs, type Inputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import { followUpMessage } from '../../../src/session/request.ts'
import { pickLive, reuse, startSession } from '../../../src/session/start.ts'
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

  async createSession(
    orgId: string,
    body: SessionCreateRequest,
    opts: { dedupeTag: string }
  ): Promise<{ session: DevinSession; recovered: boolean }> {
    this.calls.push(`create ${orgId}`)
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

function logger(): { info: (m: string) => void; warning: (m: string) => void; lines: string[] } {
  const lines: string[] = []
  return { info: (m) => lines.push(m), warning: (m) => lines.push(m), lines }
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
    expect(got?.sessionId).toBe('devin-b')
    expect(got?.status).toBe('running')
    expect(devin.calls).not.toContain('get devin-b')
    expect(log.lines).toEqual(['Sent the handoff to the running session devin-b'])
  })

  it('reads the session when the message answer carries none', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-a')]
    devin.onSend = () => undefined
    const got = await reuse(devin, 'org-1', 't', forDevin('MSG'), logger())
    expect(devin.calls).toEqual(['find org-1', 'send devin-a', 'get devin-a'])
    expect(got?.status).toBe('resuming')
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

  it.each([401, 403, 422, 500])('lets other failures (%i) through', async (status) => {
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
    return startSession({
      devin,
      orgId: 'org-1',
      inputs: await inputs(values),
      ctx,
      handoff: { prompt, screened: { target: screenedTarget, task: 'task', title: '' } },
      trigger: { forceNew },
      log: logger()
    })
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
      tags: ['github-action', 'gh:octo/repo#3:default', 'gh-run:octo/repo:77.1:default', 'team'],
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

  it('does not create a session when sending the follow-up fails otherwise', async () => {
    const devin = new FakeDevin()
    devin.found = [session('devin-live')]
    devin.onSend = () => {
      throw apiError(500)
    }
    await expect(start(devin, { 'reuse-session': 'true' })).rejects.toThrow(/500/)
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
})
