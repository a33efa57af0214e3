import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { run } from '../../src/main.ts'
import { parseState } from '../../src/state/saved.ts'
import { startDevinEmulator, type DevinEmulator } from '../emulators/devin.ts'
import {
  startGitHubEmulator,
  type GitHubEmulator,
  type Permission,
  type PullFixture
} from '../emulators/github.ts'
import { captureStdout } from '../helpers/log.ts'

const TOKEN = 'ghs_test_token'
const PR = 7
const original = { ...process.env }
let dir = ''
const file = (name: string): string => path.join(dir, name)

let devin: DevinEmulator
let gh: GitHubEmulator
let stdout: string[]

const pull: PullFixture = {
  number: PR,
  title: 'Add mul',
  body: 'Adds mul.',
  user: { login: 'alice' },
  head: { ref: 'feature', sha: 'a'.repeat(40) },
  base: { ref: 'main', sha: 'b'.repeat(40) }
}

function pullPayload(headRepo = 'octo/repo'): Record<string, unknown> {
  return {
    action: 'synchronize',
    number: PR,
    pull_request: {
      number: PR,
      html_url: `https://github.com/octo/repo/pull/${PR}`,
      title: 'Add mul',
      body: 'Adds mul.',
      user: { login: 'alice', type: 'User' },
      head: { ref: 'feature', sha: 'a'.repeat(40), repo: { full_name: headRepo } },
      base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'octo/repo' } }
    },
    repository: { full_name: 'octo/repo', default_branch: 'main' },
    sender: { login: 'alice', type: 'User' }
  }
}

function commentPayload(commentId: number, body: string): Record<string, unknown> {
  return {
    action: 'created',
    issue: { number: PR, pull_request: { url: `${gh.url}/repos/octo/repo/pulls/${PR}` } },
    comment: { id: commentId, body, user: { login: 'alice', type: 'User' } },
    repository: { full_name: 'octo/repo', default_branch: 'main' },
    sender: { login: 'alice', type: 'User' }
  }
}

/** Sets up the runner environment for one run of the main step. */
async function runner(
  o: {
    event?: string
    payload?: Record<string, unknown>
    inputs?: Record<string, string>
    permission?: Permission
  } = {}
): Promise<void> {
  await writeFile(file('event.json'), JSON.stringify(o.payload ?? pullPayload()))
  gh.permissions.alice = o.permission ?? 'write'
  Object.assign(process.env, {
    GITHUB_EVENT_NAME: o.event ?? 'pull_request',
    GITHUB_EVENT_PATH: file('event.json'),
    GITHUB_REPOSITORY: 'octo/repo',
    GITHUB_WORKSPACE: dir,
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: gh.url,
    GITHUB_ACTOR: 'alice',
    GITHUB_TRIGGERING_ACTOR: 'alice',
    GITHUB_OUTPUT: file('output'),
    GITHUB_STATE: file('state'),
    GITHUB_STEP_SUMMARY: file('summary')
  })
  const inputs: Record<string, string> = {
    'api-key': devin.apiKey,
    'github-token': TOKEN,
    'api-url': devin.url,
    prompt: 'Fix the build',
    'include-diff': 'false',
    'include-uncommitted': 'false',
    ...o.inputs
  }
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v
}

/** The step outputs as the runner would read them (last value of each name). */
async function outputs(): Promise<Record<string, string>> {
  const text = await readFile(file('output'), 'utf8')
  const out: Record<string, string> = {}
  for (const m of text.matchAll(/^(.+?)<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\2\n/gm))
    out[m[1] ?? ''] = m[3] ?? ''
  return out
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'main-test-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

beforeEach(async () => {
  for (const f of ['output', 'state', 'summary']) await writeFile(file(f), '')
  devin = await startDevinEmulator()
  gh = await startGitHubEmulator({ owner: 'octo', repo: 'repo', pulls: [pull] })
  stdout = captureStdout()
})

afterEach(async () => {
  vi.restoreAllMocks()
  process.exitCode = undefined
  for (const k of Object.keys(process.env)) if (!(k in original)) delete process.env[k]
  Object.assign(process.env, original)
  await devin.close()
  await gh.close()
})

describe('run', () => {
  it('hands a PR off: creates a tagged session, comments and sets the outputs', async () => {
    await runner()
    await run()
    expect(process.exitCode).toBeUndefined()
    const [session] = [...devin.sessions.values()]
    expect(devin.sessions.size).toBe(1)
    expect(session?.createBody.tags).toEqual([
      'github-action',
      'gh:octo/repo#7:default',
      'gh-run:octo/repo:42.1:default',
      'gh:octo/repo',
      'gh:octo/repo#7',
      'gh-live:octo/repo'
    ])
    expect(session?.createBody.title).toBe('octo/repo#7: Add mul')
    expect(String(session?.createBody.prompt)).toContain('Fix the build')
    const o = await outputs()
    expect(o.result).toBe('created')
    expect(o['session-id']).toBe(session?.devinId)
    const [comment] = gh.liveComments(PR)
    expect(comment?.body).toMatch(
      /^<!-- devin-handoff:default -->\n\*\*🚀 Devin session started\*\*/
    )
    expect(o['comment-url']).toContain(`#issuecomment-${comment?.id}`)
    // What the comment shows is recorded on the session, for a later `mode: sync`.
    expect(session?.state.tags).toEqual(
      expect.arrayContaining(['gh-live:octo/repo', 'gh-shown:new/-/0', `gh-comment:${comment?.id}`])
    )
    const states = (await readFile(file('state'), 'utf8')).match(/^\{.*$/gm) ?? []
    expect(parseState(states.at(-1) ?? '')?.final).toBe(true)
    expect(stdout.join('')).toContain(`::add-mask::${devin.apiKey}`)
  })

  it('a dry run sends nothing and shows the prompt', async () => {
    await runner({ inputs: { 'dry-run': 'true' } })
    await run()
    expect(devin.requests).toEqual([])
    expect(gh.requestsTo('POST', /comments/)).toEqual([])
    expect((await outputs()).result).toBe('dry-run')
    expect(await readFile(file('summary'), 'utf8')).toContain('Fix the build')
  })

  it('skips a fork PR before any request', async () => {
    await runner({ payload: pullPayload('eve/repo') })
    await run()
    expect(process.exitCode).toBeUndefined()
    const o = await outputs()
    expect(o.result).toBe('skipped')
    expect(o['skip-reason']).toMatch(/^fork: pull request #7 comes from eve\/repo/)
    expect(devin.requests).toEqual([])
    expect(gh.requests).toEqual([])
    expect(stdout.join('')).toContain('::notice::Devin handoff skipped: fork')
  })

  it('skips when the actor lacks the permission, sending nothing to Devin', async () => {
    await runner({ permission: 'read' })
    await run()
    const o = await outputs()
    expect(o.result).toBe('skipped')
    expect(o['skip-reason']).toBe(
      "permission: alice (triggering actor) has 'read' on octo/repo, 'write' is required"
    )
    expect(devin.requests).toEqual([])
    expect(gh.requestsTo('POST', /comments/)).toEqual([])
  })

  it('a trigger comment gets 👀 then 🚀, and its text joins the task', async () => {
    const trigger = gh.addComment({ issue: PR, body: '/devin also add tests', login: 'alice' })
    await runner({
      event: 'issue_comment',
      payload: commentPayload(trigger.id, '/devin also add tests'),
      inputs: { 'trigger-phrase': '/devin' }
    })
    await run()
    expect(gh.reactions.map((r) => [r.commentId, r.content])).toEqual([
      [trigger.id, 'eyes'],
      [trigger.id, 'rocket']
    ])
    const [session] = [...devin.sessions.values()]
    expect(String(session?.createBody.prompt)).toContain('also add tests')
  })

  it('a failure fails the step, shows why without the key, and reacts 😕', async () => {
    const trigger = gh.addComment({ issue: PR, body: '/devin go', login: 'alice' })
    devin.fault(
      { method: 'POST', path: `/v3/organizations/${devin.orgId}/sessions` },
      {
        status: 403,
        body: (req) => ({ detail: `key ${String(req.headers.authorization)} may not create` })
      }
    )
    await runner({
      event: 'issue_comment',
      payload: commentPayload(trigger.id, '/devin go'),
      inputs: { 'trigger-phrase': '/devin' }
    })
    await run()
    expect(process.exitCode).toBe(1)
    expect(devin.sessions.size).toBe(0)
    expect(gh.reactions.map((r) => r.content)).toEqual(['eyes', 'confused'])
    const body = gh.liveComments(PR).find((c) => c.id !== trigger.id)?.body ?? ''
    expect(body).toMatch(/\*\*❌ Handoff failed\*\*/)
    expect(body).toMatch(/\*\*Error:\*\* Devin API POST .* 403/)
    const log = stdout.join('')
    expect(log).toMatch(/::error::Devin API POST .*403/)
    for (const text of [
      body,
      log.replace(`::add-mask::${devin.apiKey}`, ''),
      await readFile(file('output'), 'utf8')
    ])
      expect(text).not.toContain(devin.apiKey)
    expect((await outputs()).result).toBe('error')
  })

  it('fails on a bad input before any request, naming the input', async () => {
    await runner({ inputs: { 'fail-on': 'sometimes' } })
    await run()
    expect(process.exitCode).toBe(1)
    expect(stdout.join('')).toMatch(/::error::Input 'fail-on': expected a comma list/)
    expect(devin.requests).toEqual([])
    expect(gh.requests).toEqual([])
    expect(await readFile(file('output'), 'utf8')).toBe('')
  })
})
