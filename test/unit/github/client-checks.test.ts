/**
 * The Checks API calls and the comment read of `createGitHubApi`, against the GitHub emulator
 * with real Octokit over loopback: what they send, what they are sent again on, and what they
 * read back. Every request and answer is held to GitHub's description when the emulator closes.
 */
import { testGitHubApi } from '../../helpers/github-api.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { startGitHubEmulator, type TokenIdentity } from '../../emulators/github.ts'
import type { RecordedRequest } from '../../emulators/http.ts'

const HEAD = 'a'.repeat(40)
const RUNS = '/repos/octo/hello/check-runs'
const ONE_RUN = /^\/repos\/octo\/hello\/check-runs\/\d+$/
const LIST = `/repos/octo/hello/commits/${HEAD}/check-runs`
const tokens: Record<string, TokenIdentity> = {
  ghs_test_token: { login: 'github-actions[bot]', type: 'Bot', installation: true }
}

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup() {
  const gh = await startGitHubEmulator({
    owner: 'octo',
    repo: 'hello',
    tokens,
    pulls: [
      { number: 7, head: { ref: 'feat', sha: HEAD }, base: { ref: 'main', sha: 'b'.repeat(40) } }
    ]
  })
  open.push(gh)
  const api = await testGitHubApi(gh)
  return { gh, api }
}

const answers = (calls: RecordedRequest[]) => calls.map((q) => q.answer ?? 'none')
const create = { name: 'Devin', head_sha: HEAD, status: 'in_progress' as const, external_id: 's1' }

describe('createGitHubApi: check runs', () => {
  it('creates, updates and finds a check run with the fields GitHub takes', async () => {
    const { gh, api } = await setup()
    const run = await api.createCheckRun({
      ...create,
      details_url: 'https://app.devin.ai/sessions/s1',
      output: { title: 'Working', summary: 'Devin is on it' }
    })
    expect(run).toMatchObject({ name: 'Devin', status: 'in_progress', external_id: 's1' })
    expect(run.html_url).toBe(`https://github.com/octo/hello/runs/${run.id}`)
    const done = await api.updateCheckRun(run.id, {
      conclusion: 'success',
      output: { title: 'Finished', summary: 'Done' }
    })
    expect(done).toMatchObject({ id: run.id, status: 'completed', conclusion: 'success' })
    expect((await api.findCheckRuns(HEAD, 'Devin')).map((r) => r.id)).toEqual([run.id])
    expect(await api.findCheckRuns(HEAD, 'Devin (docs)')).toEqual([])
    expect(gh.checkRuns[0]?.history.map((h) => h.body)).toEqual([
      {
        ...create,
        details_url: 'https://app.devin.ai/sessions/s1',
        output: { title: 'Working', summary: 'Devin is on it' }
      },
      { conclusion: 'success', output: { title: 'Finished', summary: 'Done' } }
    ])
  })

  it('sends a create that got a 502 or lost its connection exactly once', async () => {
    const { gh, api } = await setup()
    gh.fault({ method: 'POST', path: RUNS }, { status: 502, body: {}, afterAction: true })
    await expect(api.createCheckRun(create)).rejects.toMatchObject({ status: 502 })
    gh.fault({ method: 'POST', path: RUNS }, { drop: 'after' })
    await expect(api.createCheckRun(create)).rejects.toMatchObject({ status: 500 })
    expect(gh.requestsTo('POST', RUNS)).toHaveLength(2)
    // GitHub acted both times: the caller looks, it does not send again (../check-run.ts).
    expect(gh.checkRuns).toHaveLength(2)
  })

  it('sends an update again after a 502 or a dropped connection: the same fields, the same run', async () => {
    const { gh, api } = await setup()
    const run = await api.createCheckRun(create)
    gh.fault({ method: 'PATCH', path: ONE_RUN }, { status: 502, body: {} })
    gh.fault({ method: 'PATCH', path: ONE_RUN, after: 1 }, { drop: 'after' })
    await api.updateCheckRun(run.id, { conclusion: 'neutral' })
    expect(answers(gh.requestsTo('PATCH', ONE_RUN))).toEqual([502, 'dropped', 200])
    expect(gh.checkRuns[0]).toMatchObject({ status: 'completed', conclusion: 'neutral' })
  })

  it('finds every run of a name across pages, each App’s and each attempt’s', async () => {
    const { gh, api } = await setup()
    for (let i = 0; i < 150; i++)
      gh.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'github-actions', externalId: `s${i}` })
    gh.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'other', externalId: 'theirs' })
    gh.addCheckRun({ name: 'Lint', headSha: HEAD, app: 'github-actions' })
    const found = await api.findCheckRuns(HEAD, 'Devin')
    expect(found).toHaveLength(151)
    expect(found[0]?.external_id).toBe('theirs')
    const lists = gh.requestsTo('GET', LIST)
    expect(lists).toHaveLength(2)
    expect(lists[0]?.query).toMatchObject({ check_name: 'Devin', filter: 'all', per_page: '100' })
  })

  it('surfaces GitHub’s refusals with their status and words', async () => {
    const { api } = await setup()
    await expect(api.createCheckRun({ ...create, head_sha: 'main' })).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/^No commit found for SHA: main\b/)
    })
    await expect(api.updateCheckRun(42, { conclusion: 'success' })).rejects.toMatchObject({
      status: 404
    })
  })
})

describe('createGitHubApi: getComment', () => {
  it('reads one comment by id, undefined once it is gone, and fails on anything else', async () => {
    const { gh, api } = await setup()
    const c = gh.addComment({ issue: 7, body: '<!-- devin-handoff:default -->\nhi', login: 'bob' })
    expect(await api.getComment(c.id)).toMatchObject({
      id: c.id,
      body: c.body,
      user: { login: 'bob' }
    })
    c.deleted = true
    expect(await api.getComment(c.id)).toBeUndefined()
    gh.fault(
      { method: 'GET', path: /\/issues\/comments\/\d+$/ },
      { status: 403, body: { message: 'Forbidden' } }
    )
    await expect(api.getComment(c.id)).rejects.toMatchObject({ status: 403 })
  })
})
