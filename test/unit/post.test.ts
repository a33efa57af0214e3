import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { RunState, type SessionView } from '../../src/state/run-state.ts'
import { packedState } from '../helpers/run-state.ts'
import type { SavedState } from '../../src/state/saved.ts'
import { startDevinEmulator, type DevinEmulator } from '../emulators/devin.ts'
import { startGitHubEmulator, type GitHubEmulator } from '../emulators/github.ts'
import { captureStdout } from '../helpers/log.ts'

const STATE_ENV = 'STATE_devin-handoff'
const TOKEN = 'ghs_test_token'
const PR = 7
const MARKER = '<!-- devin-handoff:default -->'
const INTERRUPTED = 'The job ended before the action could finish (cancelled or timed out)'

type PostModule = typeof import('../../src/post.ts')

let dir = ''
const file = (name: string): string => path.join(dir, name)
const ENV_KEYS = [
  STATE_ENV,
  'INPUT_API-KEY',
  'INPUT_GITHUB-TOKEN',
  'INPUT_API-URL',
  'GITHUB_REPOSITORY',
  'GITHUB_API_URL',
  'GITHUB_OUTPUT',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY'
]
const savedEnv: Record<string, string | undefined> = {}

/** Imports src/post.ts afresh, so it reads the environment as it is now. */
async function importPost(): Promise<PostModule> {
  vi.resetModules()
  return import('../../src/post.ts')
}

beforeAll(async () => {
  for (const k of ENV_KEYS) savedEnv[k] = process.env[k]
  dir = await mkdtemp(path.join(tmpdir(), 'post-test-'))
  process.env.GITHUB_OUTPUT = file('output')
  process.env.GITHUB_STATE = file('state')
  process.env.GITHUB_STEP_SUMMARY = file('summary')
})

afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  await rm(dir, { recursive: true, force: true })
})

let devin: DevinEmulator
let gh: GitHubEmulator
let stdout: string[]

beforeEach(async () => {
  // runPost finalizes a saved run when this is set: never by accident here.
  delete process.env[STATE_ENV]
  for (const f of ['output', 'state', 'summary']) await writeFile(file(f), '')
  devin = await startDevinEmulator()
  gh = await startGitHubEmulator({ owner: 'octo', repo: 'repo', issues: [{ number: PR }] })
  process.env['INPUT_API-KEY'] = devin.apiKey
  process.env['INPUT_GITHUB-TOKEN'] = TOKEN
  process.env['INPUT_API-URL'] = devin.url
  process.env.GITHUB_REPOSITORY = 'octo/repo'
  process.env.GITHUB_API_URL = gh.url
  stdout = captureStdout()
})

afterEach(async () => {
  vi.restoreAllMocks()
  await devin.close()
  await gh.close()
})

const RUN_TAG = 'gh-run:octo/repo:42.1:default'

/** A session in the Devin emulator, created the way the action creates one. */
async function liveSession(tags: string[] = []): Promise<string> {
  const res = await fetch(`${devin.url}/v3/organizations/${devin.orgId}/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${devin.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'task', tags: ['github-action', ...tags] })
  })
  const body = (await res.json()) as { session_id: string }
  devin.setSession(body.session_id, { status: 'running', status_detail: 'working' })
  return body.session_id
}

/** The comment the main step left, as the token's identity. */
function stickyComment(): { id: number; url: string; issue: number } {
  const c = gh.addComment({
    issue: PR,
    body: `${MARKER}\n### ⏳ Devin is working`,
    login: 'github-actions[bot]',
    type: 'Bot'
  })
  return {
    id: c.id,
    url: `https://github.com/octo/repo/issues/${PR}#issuecomment-${c.id}`,
    issue: PR
  }
}

/** What the main step saved while it was following `sessionId`. */
function waitingState(sessionId: string, o: Partial<SavedState> = {}): SavedState {
  const view: SessionView = {
    id: sessionId,
    url: `https://app.devin.ai/sessions/${sessionId}`,
    status: 'running',
    detail: 'working',
    pullRequests: []
  }
  const s = packedState({ target: { prNumber: PR, headRef: 'feature' } })
  s.sessionStarted(view, 'created', { orgId: devin.orgId })
  s.waitingBegan()
  s.polled(view)
  return {
    final: false,
    comment: stickyComment(),
    orgId: devin.orgId,
    stopOnCancel: true,
    terminated: false,
    report: JSON.parse(JSON.stringify(s.snapshot())) as SavedState['report'],
    ...o
  }
}

const deletes = (id: string) =>
  devin.requestsTo('DELETE', `/v3/organizations/${devin.orgId}/sessions/${id}`)
const commentBody = (): string => gh.liveComments(PR)[0]?.body ?? ''

describe('finalizeInterrupted', () => {
  it('stops a followed session with stop-on-cancel and marks the comment cancelled', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession()
    const saved = waitingState(id)
    const before = devin.requests.length
    await finalizeInterrupted(saved)
    expect(deletes(id)).toHaveLength(1)
    expect(devin.sessions.get(id)?.terminated).toBe(true)
    // The session is read first: only one Devin still works on is stopped.
    expect(devin.requests.slice(before).map((r) => r.method)).toEqual(['GET', 'DELETE'])
    // The comment the main step wrote is edited in place; none is created.
    expect(
      gh.requestsTo('PATCH', `/repos/octo/repo/issues/comments/${saved.comment?.id}`)
    ).toHaveLength(1)
    expect(gh.requestsTo('POST', /\/comments$/)).toHaveLength(0)
    expect(gh.liveComments(PR)).toHaveLength(1)
    const body = commentBody()
    expect(body.startsWith(`${MARKER}\n**🛑 Cancelled** · `)).toBe(true)
    expect(body).toContain(`\n\n> ${INTERRUPTED}; the Devin session was stopped (stop-on-cancel).`)
    // The session as the stop answered it.
    expect(body).toContain('`exit`')
    expect(body).toContain('finalized by the post step')
    // The post step neither sets outputs nor saves state; it does write its summary.
    expect(await readFile(file('output'), 'utf8')).toBe('')
    expect(await readFile(file('state'), 'utf8')).toBe('')
    expect(await readFile(file('summary'), 'utf8')).toMatch(/^## 🛑 Workflow cancelled/)
    const log = stdout.join('')
    expect(log).toContain(`::add-mask::${devin.apiKey}`)
    expect(log).toContain(`::add-mask::${TOKEN}`)
    expect(log).toContain(`Stopped the Devin session ${id} (stop-on-cancel).`)
  })

  it('keeps the session without stop-on-cancel, and one the main step already stopped', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession()
    await finalizeInterrupted(waitingState(id, { stopOnCancel: false }))
    expect(deletes(id)).toHaveLength(0)
    expect(commentBody()).toContain(`> ${INTERRUPTED}; the Devin session keeps running.`)
    await finalizeInterrupted(waitingState(id, { terminated: true }))
    expect(deletes(id)).toHaveLength(0)
  })

  it('only re-writes the comment of a run the main step had already ended', async () => {
    const { finalizeInterrupted } = await importPost()
    const saved = waitingState('devin-0123456789abcdef')
    const s = new RunState({ restore: saved.report })
    s.cancelled('The workflow was cancelled; the Devin session keeps running.', {
      stopped: false,
      by: 'signal'
    })
    await finalizeInterrupted({ ...saved, report: s.snapshot() })
    expect(devin.requests).toHaveLength(0)
    const body = commentBody()
    expect(body).toContain('**🛑 Cancelled**')
    expect(body).toContain('> The workflow was cancelled; the Devin session keeps running.')
    expect(body).not.toContain('finalized by the post step')
    expect(body).not.toContain(INTERRUPTED)
  })

  it('makes no Devin request without a key, and says the session keeps running', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession()
    const before = devin.requests.length
    delete process.env['INPUT_API-KEY']
    await finalizeInterrupted(waitingState(id))
    expect(devin.requests).toHaveLength(before)
    expect(commentBody()).toContain(`> ${INTERRUPTED}; the Devin session keeps running.`)
  })

  it('writes no comment without a token, and none when the main step had none', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession()
    delete process.env['INPUT_GITHUB-TOKEN']
    await finalizeInterrupted(waitingState(id, { stopOnCancel: false }))
    process.env['INPUT_GITHUB-TOKEN'] = TOKEN
    await finalizeInterrupted(waitingState(id, { stopOnCancel: false, comment: undefined }))
    expect(gh.requests).toEqual([])
    expect(commentBody()).toBe(`${MARKER}\n### ⏳ Devin is working`)
    expect(await readFile(file('summary'), 'utf8')).toMatch(/Workflow cancelled/)
  })
})

describe('finalizeInterrupted never stops a session that can still be answered', () => {
  it('spares one that started waiting for the user after the last poll', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession()
    const saved = waitingState(id)
    devin.setSession(id, { status: 'running', status_detail: 'waiting_for_user' })
    await finalizeInterrupted(saved)
    expect(deletes(id)).toHaveLength(0)
    expect(devin.sessions.get(id)?.terminated).toBe(false)
    const body = commentBody()
    expect(body).toContain(
      `> ${INTERRUPTED}; the Devin session was not stopped: Devin is waiting for your reply.`
    )
    expect(body).toContain('`running` / `waiting_for_user`')
  })

  it('asks Devin nothing about a run the main step had ended (its final write cut short)', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession()
    devin.setSession(id, { status: 'running', status_detail: 'waiting_for_user' })
    const saved = waitingState(id)
    const s = new RunState({ restore: saved.report })
    s.polled({
      id,
      url: `https://app.devin.ai/sessions/${id}`,
      status: 'running',
      detail: 'waiting_for_user',
      pullRequests: []
    })
    s.ended('needs-input', 'Devin is waiting for a reply: answer in the Devin session.')
    const before = devin.requests.length
    await finalizeInterrupted({ ...saved, report: s.snapshot() })
    expect(devin.requests).toHaveLength(before)
    expect(commentBody()).toContain('**💬 Needs input**')
  })
})

describe('finalizeInterrupted after a start the main step could not settle', () => {
  /** What the main step saved once it had sent the create (and nothing came back). */
  function creatingState(o: Partial<SavedState> = {}): SavedState {
    const s = packedState({ target: { prNumber: PR, headRef: 'feature' } })
    s.startSent({ orgId: devin.orgId, runTag: RUN_TAG })
    return {
      final: false,
      comment: { issue: PR },
      orgId: devin.orgId,
      stopOnCancel: true,
      terminated: false,
      report: JSON.parse(JSON.stringify(s.snapshot())) as SavedState['report'],
      ...o
    }
  }

  it('killed mid-create: finds the session by its run tag, names it, and stops it', async () => {
    const { finalizeInterrupted } = await importPost()
    const id = await liveSession([RUN_TAG])
    await finalizeInterrupted(creatingState())
    const lookups = devin.requestsTo('GET', `/v3/organizations/${devin.orgId}/sessions`)
    expect(lookups.map((r) => r.query.tags)).toEqual([RUN_TAG])
    expect(deletes(id)).toHaveLength(1)
    // The main step never wrote the comment: the post step writes it, once.
    expect(gh.liveComments(PR)).toHaveLength(1)
    const body = commentBody()
    expect(body).toContain('**🛑 Cancelled**')
    expect(body).toContain(`https://app.devin.ai/sessions/${id}`)
    expect(body).toContain('was stopped (stop-on-cancel)')
    expect(await readFile(file('summary'), 'utf8')).toContain(id)
  })

  it('finds the comment whose first write never came back, instead of writing a second', async () => {
    const { finalizeInterrupted } = await importPost()
    await liveSession([RUN_TAG])
    const existing = stickyComment()
    await finalizeInterrupted(creatingState({ stopOnCancel: false }))
    expect(gh.liveComments(PR).map((c) => c.id)).toEqual([existing.id])
    expect(commentBody()).toContain('**🛑 Cancelled**')
  })

  it('says when no session was made', async () => {
    const { finalizeInterrupted } = await importPost()
    await finalizeInterrupted(creatingState())
    expect(devin.requestsTo('DELETE', /sessions/)).toHaveLength(0)
    expect(commentBody()).toContain(`> ${INTERRUPTED} before anything was handed off to Devin.`)
  })

  it('runs after a main step that cancelled but could not tell which session it made', async () => {
    const id = await liveSession([RUN_TAG])
    const saved = creatingState({ stopOnCancel: false })
    const s = new RunState({ restore: saved.report })
    s.cancelled('The workflow was cancelled while the Devin session was being created.', {
      stopped: false,
      by: 'signal'
    })
    // Its final write went through (final), but the session is still unnamed.
    process.env[STATE_ENV] = JSON.stringify({ ...saved, final: true, report: s.snapshot() })
    await (await importPost()).runPost()
    const body = commentBody()
    expect(body).toContain(`https://app.devin.ai/sessions/${id}`)
    // The main step's own words stay: it was the workflow that was cancelled.
    expect(body).toContain('> The workflow was cancelled; the Devin session keeps running.')
    expect(body).toContain('session found afterwards')
  })
})

describe('the post entry', () => {
  it('finalizes a saved run that is not final when it starts', async () => {
    const id = await liveSession()
    process.env[STATE_ENV] = JSON.stringify(waitingState(id))
    await (await importPost()).runPost()
    expect(deletes(id)).toHaveLength(1)
    expect(commentBody()).toContain('**🛑 Cancelled**')
  })

  it('does nothing after a main step that finished, or without saved state', async () => {
    const id = await liveSession()
    const before = devin.requests.length
    process.env[STATE_ENV] = JSON.stringify(waitingState(id, { final: true }))
    await (await importPost()).runPost()
    process.env[STATE_ENV] = 'not json'
    await (await importPost()).runPost()
    delete process.env[STATE_ENV]
    await (await importPost()).runPost()
    expect(devin.requests).toHaveLength(before)
    expect(gh.requests).toHaveLength(0)
    expect(await readFile(file('summary'), 'utf8')).toBe('')
  })
})
