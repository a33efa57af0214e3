import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContextError, readRunContext } from '../../../src/run/context.ts'

let dir = ''
let eventPath = ''
const payload = {
  action: 'opened',
  number: 5,
  pull_request: { number: 5, title: 'T' },
  repository: { full_name: 'payload-owner/payload-repo', default_branch: 'trunk' }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'context-test-'))
  eventPath = path.join(dir, 'event.json')
  await writeFile(eventPath, JSON.stringify(payload))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const runnerEnv = (over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  GITHUB_EVENT_PATH: eventPath,
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_REPOSITORY: 'octo/repo',
  GITHUB_SHA: 'c0ffee',
  GITHUB_REF: 'refs/pull/5/merge',
  GITHUB_ACTOR: 'alice',
  GITHUB_TRIGGERING_ACTOR: 'bob',
  GITHUB_WORKSPACE: '/home/runner/work/repo/repo',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_RUN_ID: '123456',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_RUN_NUMBER: '17',
  GITHUB_WORKFLOW: 'Devin',
  GITHUB_WORKFLOW_REF: 'octo/repo/.github/workflows/devin.yml@refs/heads/main',
  GITHUB_JOB: 'handoff',
  ...over
})

describe('readRunContext', () => {
  it('reads the runner variables and the event payload', () => {
    expect(readRunContext(runnerEnv())).toEqual({
      eventName: 'pull_request',
      payload,
      owner: 'octo',
      repo: 'repo',
      sha: 'c0ffee',
      ref: 'refs/pull/5/merge',
      actor: 'alice',
      triggeringActor: 'bob',
      workspace: '/home/runner/work/repo/repo',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      runId: '123456',
      runAttempt: '1',
      runNumber: '17',
      workflow: 'Devin',
      workflowRef: 'octo/repo/.github/workflows/devin.yml@refs/heads/main',
      job: 'handoff',
      runUrl: 'https://github.com/octo/repo/actions/runs/123456'
    })
  })

  it('links a re-run to its attempt', () => {
    const c = readRunContext(runnerEnv({ GITHUB_RUN_ATTEMPT: '3' }))
    expect(c.runAttempt).toBe('3')
    expect(c.runUrl).toBe('https://github.com/octo/repo/actions/runs/123456/attempts/3')
  })

  it('uses the server and API URLs of a GitHub Enterprise Server, without trailing slashes', () => {
    const c = readRunContext(
      runnerEnv({
        GITHUB_SERVER_URL: 'https://ghe.example.com//',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3/'
      })
    )
    expect(c.serverUrl).toBe('https://ghe.example.com')
    expect(c.apiUrl).toBe('https://ghe.example.com/api/v3')
    expect(c.runUrl).toBe('https://ghe.example.com/octo/repo/actions/runs/123456')
  })

  it('falls back to defaults for what the runner left out', () => {
    const c = readRunContext({ GITHUB_REPOSITORY: 'octo/repo' })
    expect(c).toEqual({
      eventName: '',
      payload: {},
      owner: 'octo',
      repo: 'repo',
      sha: '',
      ref: '',
      actor: '',
      triggeringActor: '',
      workspace: process.cwd(),
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      runId: '',
      runAttempt: '1',
      runNumber: '',
      workflow: '',
      workflowRef: '',
      job: '',
      runUrl: ''
    })
  })

  it('takes the triggering actor from the actor when unset', () => {
    const c = readRunContext(runnerEnv({ GITHUB_TRIGGERING_ACTOR: '' }))
    expect(c.triggeringActor).toBe('alice')
  })

  it('takes the repository from the payload when the variable is unset', () => {
    const c = readRunContext(runnerEnv({ GITHUB_REPOSITORY: undefined }))
    expect([c.owner, c.repo]).toEqual(['payload-owner', 'payload-repo'])
    expect(c.runUrl).toBe('https://github.com/payload-owner/payload-repo/actions/runs/123456')
  })

  it('reads no payload from a path that does not exist', () => {
    const c = readRunContext(runnerEnv({ GITHUB_EVENT_PATH: path.join(dir, 'missing.json') }))
    expect(c.payload).toEqual({})
  })

  it('fails on a payload that is not JSON, saying where it was', async () => {
    const bad = path.join(dir, 'bad.json')
    await writeFile(bad, '{"action": "opened",')
    const read = () => readRunContext(runnerEnv({ GITHUB_EVENT_PATH: bad }))
    expect(read).toThrow(ContextError)
    expect(read).toThrow(/^Cannot parse the event payload at GITHUB_EVENT_PATH: /)
  })

  it('fails outside a GitHub Actions job (no repository anywhere)', () => {
    expect(() => readRunContext({})).toThrow(ContextError)
    expect(() => readRunContext({ GITHUB_REPOSITORY: 'just-owner' })).toThrow(
      /^GITHUB_REPOSITORY is not set/
    )
  })
})
