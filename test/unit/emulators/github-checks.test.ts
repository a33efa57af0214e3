import { describe, expect, it } from 'vitest'
import { describeViolation } from '../../emulators/conformance.ts'
import type { CheckRunJson as Json } from '../../emulators/github-checks.ts'
import type { GitHubEmulator, TokenIdentity } from '../../emulators/github.ts'
import { gh, github } from './helpers.ts'

/** A run as answered; its id is an int64 to the description, a number here. */
type CheckRunJson = Omit<Json, 'id'> & { id: number }

const HEAD = 'b'.repeat(40)
const OTHER = 'c'.repeat(40)
const RUNS = '/repos/octo/hello/check-runs'
const tokens: Record<string, TokenIdentity> = {
  ghs_test_token: { login: 'github-actions[bot]', type: 'Bot', installation: true },
  ghs_app: { login: 'my-app[bot]', type: 'Bot', installation: true },
  ghs_reader: { login: 'reader[bot]', type: 'Bot', installation: true, checks: 'read' },
  ghs_blind: { login: 'blind[bot]', type: 'Bot', installation: true, checks: 'none' },
  ghp_alice: { login: 'alice', type: 'User' },
  ghu_eve: { login: 'eve', type: 'User', app: 'my-app' }
}
const pulls = [
  { number: 7, head: { ref: 'feat', sha: HEAD }, base: { ref: 'main', sha: 'a'.repeat(40) } },
  // A fork's PR at the same commit is not listed on the run, as on GitHub.
  {
    number: 8,
    head: { ref: 'feat', sha: HEAD, repo: 'fork/hello' },
    base: { ref: 'main', sha: 'a'.repeat(40) }
  }
]

const send = (emu: GitHubEmulator, method: string, path: string, body: unknown, token?: string) =>
  gh(emu, path, { method, body: JSON.stringify(body) }, token)

async function answer<T = Record<string, unknown>>(res: Response): Promise<[number, T]> {
  return [res.status, (await res.json()) as T]
}

const run = (over: object = {}) => ({
  name: 'Devin',
  head_sha: HEAD,
  status: 'in_progress',
  external_id: 'devin-abc',
  details_url: 'https://app.devin.ai/sessions/abc',
  output: { title: 'Working', summary: '**Working** on it' },
  ...over
})

describe('GitHub emulator: check runs', () => {
  it('creates a full check run as the token’s App, reads it back, and lists it on the PR', async () => {
    const emu = await github({ tokens, pulls })
    const [status, created] = await answer<CheckRunJson>(await send(emu, 'POST', RUNS, run()))
    expect(status).toBe(201)
    expect(created).toMatchObject({
      name: 'Devin',
      head_sha: HEAD,
      status: 'in_progress',
      conclusion: null,
      completed_at: null,
      external_id: 'devin-abc',
      details_url: 'https://app.devin.ai/sessions/abc',
      html_url: `https://github.com/octo/hello/runs/${created.id}`,
      url: `${emu.url}/repos/octo/hello/check-runs/${created.id}`,
      output: { title: 'Working', summary: '**Working** on it', text: null, annotations_count: 0 },
      app: { slug: 'github-actions', id: 15368 },
      pull_requests: [{ number: 7, head: { sha: HEAD, repo: { name: 'hello' } } }]
    })
    expect(created.started_at).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(created.check_suite?.id).toBeGreaterThan(0)
    const [, read] = await answer<CheckRunJson>(await gh(emu, `${RUNS}/${created.id}`))
    expect(read).toEqual(created)
    expect(emu.checkRuns).toHaveLength(1)
    expect(emu.checkRuns[0]?.history.map((h) => [h.method, h.body.status])).toEqual([
      ['POST', 'in_progress']
    ])
  })

  it('completes a run on a PATCH with a conclusion, and lets it be written again', async () => {
    const emu = await github({ tokens, pulls })
    const [, created] = await answer<CheckRunJson>(await send(emu, 'POST', RUNS, run()))
    const patch = (body: object) => send(emu, 'PATCH', `${RUNS}/${created.id}`, body)
    const done = { conclusion: 'success', output: { title: 'Finished', summary: 'Done' } }
    const [status, completed] = await answer<CheckRunJson>(await patch(done))
    expect(status).toBe(200)
    expect(completed).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(completed.completed_at).not.toBeNull()
    expect(completed.output).toMatchObject({ title: 'Finished', summary: 'Done' })
    const [, again] = await answer<CheckRunJson>(
      await patch({ status: 'completed', conclusion: 'action_required' })
    )
    expect(again).toMatchObject({ status: 'completed', conclusion: 'action_required' })
    // Reopened: GitHub takes it and forgets the conclusion.
    const [, reopened] = await answer<CheckRunJson>(await patch({ status: 'in_progress' }))
    expect(reopened).toMatchObject({ status: 'in_progress', conclusion: null, completed_at: null })
    expect(emu.checkRuns[0]?.history.map((h) => h.method)).toEqual([
      'POST',
      'PATCH',
      'PATCH',
      'PATCH'
    ])
    expect(await patch({ conclusion: 'success' }).then((r) => r.status)).toBe(200)
    expect((await send(emu, 'PATCH', `${RUNS}/999`, done)).status).toBe(404)
    expect((await gh(emu, `${RUNS}/999`)).status).toBe(404)
  })

  it('refuses what GitHub refuses, with its status and words', async () => {
    const emu = await github({ tokens, pulls })
    const cases: Array<[object, number, string | RegExp]> = [
      [{ head_sha: HEAD }, 422, 'Invalid request.\n\n"name" wasn\'t supplied.'],
      [{}, 422, 'Invalid request.\n\n"name", "head_sha" weren\'t supplied.'],
      [run({ head_sha: 'main' }), 422, 'No commit found for SHA: main'],
      [run({ head_sha: 'z'.repeat(40) }), 422, `No commit found for SHA: ${'z'.repeat(40)}`],
      [run({ status: 'completed' }), 422, 'Invalid request.\n\n"conclusion" wasn\'t supplied.'],
      [run({ conclusion: 'great' }), 422, /'properties\/conclusion', "great" is not a member/],
      [
        run({ output: { summary: 'no title' } }),
        422,
        'Invalid request.\n\n"title" wasn\'t supplied.'
      ],
      [
        run({ output: { title: 'no summary' } }),
        422,
        'Invalid request.\n\n"summary" wasn\'t supplied.'
      ],
      [
        run({ output: { title: 't', summary: 'x'.repeat(65_536) } }),
        422,
        'Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.'
      ]
    ]
    for (const [body, status, message] of cases) {
      const [got, json] = await answer<{ message: string }>(await send(emu, 'POST', RUNS, body))
      expect([got, json.message], JSON.stringify(body).slice(0, 80)).toEqual([
        status,
        typeof message === 'string' ? message : expect.stringMatching(message)
      ])
    }
    // Within the schema's characters, over the model's bytes: GitHub counts the summary in bytes.
    const wide = '€'.repeat(30_000)
    const [status, json] = await answer(
      await send(emu, 'POST', RUNS, run({ output: { title: 't', summary: wide } }))
    )
    expect(status).toBe(422)
    expect(json).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'CheckRun', field: 'summary', code: 'custom' }]
    })
    expect(emu.checkRuns).toHaveLength(0)
    expect(emu.writeCount).toBe(0)
    // The requests the description itself refuses were also reported; the others were not.
    expect(emu.takeViolations().flatMap((v) => v.problems)).toEqual([
      "body must have required property 'name'",
      "body must have required property 'name'",
      "body must have required property 'head_sha'",
      'body/conclusion is "great", not one of ["action_required","cancelled","failure","neutral","success","skipped","stale","timed_out"]',
      "body/output must have required property 'title'",
      "body/output must have required property 'summary'",
      'body/output/summary must NOT have more than 65535 characters'
    ])
  })

  it('lets only an App with checks: write write, and only the App that created the run', async () => {
    const emu = await github({ tokens, pulls })
    const post = (token: string) => send(emu, 'POST', RUNS, run(), token)
    const [pat, patJson] = await answer<{ message: string }>(await post('ghp_alice'))
    expect([pat, patJson.message]).toEqual([403, 'You must authenticate via a GitHub App.'])
    for (const token of ['ghs_reader', 'ghs_blind']) {
      const [status, json] = await answer<{ message: string }>(await post(token))
      expect([status, json.message]).toEqual([403, 'Resource not accessible by integration'])
    }
    const [, theirs] = await answer<CheckRunJson>(await post('ghs_app'))
    const [, mine] = await answer<CheckRunJson>(await post('ghs_test_token'))
    // An App acting for a person (a user-to-server token) writes as that App.
    const [eve, eves] = await answer<CheckRunJson>(await post('ghu_eve'))
    expect([eve, eves.app?.slug]).toEqual([201, 'my-app'])
    const patch = (id: number, token?: string) =>
      send(emu, 'PATCH', `${RUNS}/${id}`, { conclusion: 'neutral' }, token)
    const [other, otherJson] = await answer<{ message: string }>(await patch(theirs.id))
    expect(other).toBe(403)
    expect(otherJson.message).toBe(
      'Invalid app_id `15368` - check run can only be modified by the GitHub App that created it.'
    )
    expect((await patch(mine.id, 'ghp_alice')).status).toBe(403)
    expect((await patch(mine.id, 'ghs_reader')).status).toBe(403)
    expect((await patch(theirs.id, 'ghu_eve')).status).toBe(200)
    // Reading: a person's token and a reader may, an App without checks may not.
    expect((await gh(emu, `${RUNS}/${mine.id}`, {}, 'ghp_alice')).status).toBe(200)
    expect((await gh(emu, `${RUNS}/${mine.id}`, {}, 'ghs_reader')).status).toBe(200)
    expect((await gh(emu, `${RUNS}/${mine.id}`, {}, 'ghs_blind')).status).toBe(403)
    expect(emu.checkRuns.find((r) => r.id === mine.id)?.status).toBe('in_progress')
  })

  it('lists a commit’s runs by name and status, latest per name unless filter=all, paged', async () => {
    const emu = await github({ tokens, pulls })
    emu.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'other', externalId: 'theirs' })
    for (let i = 0; i < 3; i++) await send(emu, 'POST', RUNS, run({ external_id: `s${i}` }))
    await send(emu, 'POST', RUNS, run({ name: 'Devin (docs)', conclusion: 'success' }))
    await send(emu, 'POST', RUNS, run({ head_sha: OTHER }))
    const list = async (query: string) => {
      const res = await gh(emu, `/repos/octo/hello/commits/${HEAD}/check-runs${query}`)
      const json = (await res.json()) as { total_count: number; check_runs: CheckRunJson[] }
      return { link: res.headers.get('link'), ...json }
    }
    const latest = await list('?check_name=Devin')
    expect(latest.check_runs.map((r) => [r.app?.slug, r.external_id])).toEqual([
      ['github-actions', 's2'],
      ['other', 'theirs']
    ])
    const all = await list('?check_name=Devin&filter=all&per_page=2')
    expect(all.total_count).toBe(4)
    expect(all.check_runs.map((r) => r.external_id)).toEqual(['s2', 's1'])
    expect(all.link).toMatch(/page=2>; rel="next"/)
    const rest = await list('?check_name=Devin&filter=all&per_page=2&page=2')
    expect(rest.check_runs.map((r) => r.external_id)).toEqual(['s0', 'theirs'])
    expect((await list('?status=completed')).check_runs.map((r) => r.name)).toEqual([
      'Devin (docs)'
    ])
    expect((await list('?app_id=15368&filter=all')).total_count).toBe(4)
    // A branch names its head commit; a ref that names no commit is GitHub's 422.
    const byBranch = await gh(emu, '/repos/octo/hello/commits/feat/check-runs?filter=all')
    expect(((await byBranch.json()) as { total_count: number }).total_count).toBe(5)
    const [status, json] = await answer<{ message: string }>(
      await gh(emu, '/repos/octo/hello/commits/nowhere/check-runs')
    )
    expect([status, json.message]).toEqual([422, 'No commit found for SHA: nowhere'])
  })

  it('counts comment and check run writes GitHub acted on, not reactions nor refusals', async () => {
    const emu = await github({ tokens, pulls })
    const c = await answer<{ id: number }>(
      await send(emu, 'POST', '/repos/octo/hello/issues/7/comments', { body: 'hi' })
    )
    const comment = `/repos/octo/hello/issues/comments/${c[1].id}`
    await send(emu, 'PATCH', comment, { body: 'edited' })
    await send(emu, 'POST', `${comment}/reactions`, { content: 'eyes' })
    const [, created] = await answer<CheckRunJson>(await send(emu, 'POST', RUNS, run()))
    await send(emu, 'PATCH', `${RUNS}/${created.id}`, { conclusion: 'success' })
    await send(emu, 'POST', RUNS, run(), 'ghp_alice')
    await send(emu, 'POST', RUNS, run({ head_sha: 'nope' }))
    await gh(emu, comment, { method: 'DELETE' })
    expect(emu.writeLog.map((w) => `${w.kind} ${w.method}`)).toEqual([
      'comment POST',
      'comment PATCH',
      'check POST',
      'check PATCH',
      'comment DELETE'
    ])
    expect(emu.writeCount).toBe(5)
  })

  it('reads one comment by id (GitHub documents 200 and 404 for it)', async () => {
    const emu = await github({ tokens, pulls })
    const c = emu.addComment({ issue: 7, body: '<!-- devin-handoff:default -->\nhi', login: 'bob' })
    const [status, json] = await answer(await gh(emu, `/repos/octo/hello/issues/comments/${c.id}`))
    expect([status, json]).toMatchObject([200, { id: c.id, body: c.body, user: { login: 'bob' } }])
    expect((await gh(emu, '/repos/octo/hello/issues/comments/5')).status).toBe(404)
    expect(emu.checked).toContain('issues/get-comment')
    expect(emu.takeViolations().map(describeViolation)).toEqual([])
  })
})
