/**
 * `CheckRun` against the GitHub emulator with real Octokit over loopback: what each write sends,
 * what it never sends twice, which run it adopts when a create's outcome is unknown, and how
 * GitHub's refusals reach the caller.
 */
import { testGitHubApi } from '../../helpers/github-api.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { commentBody, type CommentBody } from '../../../src/egress/comment.ts'
import {
  CheckRun,
  ChecksRefused,
  MAX_SUMMARY_BYTES,
  type CheckSpec
} from '../../../src/github/check-run.ts'
import { startGitHubEmulator, type TokenIdentity } from '../../emulators/github.ts'

const HEAD = 'a'.repeat(40)
const RUNS = '/repos/octo/hello/check-runs'
const LIST = `/repos/octo/hello/commits/${HEAD}/check-runs`
const SESSION = 'devin-0123456789abcdef'
const tokens: Record<string, TokenIdentity> = {
  ghs_test_token: { login: 'github-actions[bot]', type: 'Bot', installation: true },
  ghs_no_checks: { login: 'github-actions[bot]', type: 'Bot', installation: true, checks: 'read' },
  ghs_other: { login: 'other-app[bot]', type: 'Bot', installation: true },
  ghp_alice: { login: 'alice', type: 'User' }
}

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(token = 'ghs_test_token') {
  const gh = await startGitHubEmulator({ owner: 'octo', repo: 'hello', tokens })
  open.push(gh)
  const api = await testGitHubApi(gh, token)
  const check = (known?: { id: number; url: string }) =>
    new CheckRun(api, { name: 'Devin', headSha: HEAD, externalId: SESSION }, known)
  /** Check run requests by method, in order. */
  const calls = () =>
    gh.requests.filter((q) => q.path.includes('check-runs')).map((q) => `${q.method} ${q.answer}`)
  return { gh, api, check, calls }
}

const body = (markdown: string): CommentBody => commentBody(markdown, (t) => t)
const working: CheckSpec = {
  status: 'in_progress',
  title: 'Devin is working',
  summary: body('**Working** · 2m'),
  detailsUrl: `https://app.devin.ai/sessions/${SESSION}`
}
const finished: CheckSpec = {
  ...working,
  status: 'completed',
  conclusion: 'success',
  title: 'Devin finished',
  summary: body('**✅ Finished** · 12m')
}

describe('CheckRun', () => {
  it('creates on the first write, updates on a change, and sends nothing when unchanged', async () => {
    const { gh, check, calls } = await setup()
    const run = check()
    const first = await run.write(working)
    const [stored] = gh.checkRuns
    expect(first).toEqual({
      id: stored?.id,
      url: `https://github.com/octo/hello/runs/${stored?.id}`,
      created: true
    })
    expect(stored).toMatchObject({
      name: 'Devin',
      headSha: HEAD,
      status: 'in_progress',
      externalId: SESSION,
      detailsUrl: working.detailsUrl,
      output: { title: 'Devin is working', summary: '**Working** · 2m' }
    })
    expect(await run.write(working)).toEqual({ ...first, created: false })
    expect(await run.write(finished)).toEqual({ ...first, created: false })
    expect(await run.write(finished)).toEqual({ ...first, created: false })
    expect(calls()).toEqual(['POST 201', 'PATCH 200'])
    expect(stored).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(stored?.history.at(-1)?.body).toEqual({
      status: 'completed',
      conclusion: 'success',
      details_url: working.detailsUrl,
      external_id: SESSION,
      output: { title: 'Devin finished', summary: '**✅ Finished** · 12m' }
    })
    expect([run.checkId, run.checkUrl]).toEqual([first.id, first.url])
  })

  it('updates a run it was handed by id, and never creates one in its place', async () => {
    const { gh, check, calls } = await setup()
    const earlier = gh.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'github-actions' })
    const url = `https://github.com/octo/hello/runs/${earlier.id}`
    const result = await check({ id: earlier.id, url }).write(finished)
    expect(result).toEqual({ id: earlier.id, url, created: false })
    expect(calls()).toEqual(['PATCH 200'])
    // One GitHub no longer has is reported, never replaced: a sync must not create runs.
    await expect(check({ id: 1, url: '' }).write(finished)).rejects.toMatchObject({ status: 404 })
    expect(calls()).toEqual(['PATCH 200', 'PATCH 404'])
    expect(gh.checkRuns).toHaveLength(1)
  })

  it('adopts the run a create made when its answer was lost, instead of making a second', async () => {
    const { gh, check, calls } = await setup()
    gh.fault({ method: 'POST', path: RUNS }, { status: 502, body: {}, afterAction: true })
    const result = await check().write(working)
    expect(gh.checkRuns).toHaveLength(1)
    expect(result).toEqual({
      id: gh.checkRuns[0]?.id,
      url: `https://github.com/octo/hello/runs/${gh.checkRuns[0]?.id}`,
      created: true
    })
    // It already shows this spec: no update either.
    expect(calls()).toEqual(['POST 502', 'GET 200'])
    expect(gh.requestsTo('GET', LIST)[0]?.query).toMatchObject({ check_name: 'Devin' })
  })

  it('creates once more when a lost create made nothing, and not a third time', async () => {
    const { gh, check, calls } = await setup()
    gh.fault({ method: 'POST', path: RUNS }, { drop: 'before' })
    expect((await check().write(working)).created).toBe(true)
    expect(calls()).toEqual(['POST dropped', 'GET 200', 'POST 201'])
    expect(gh.checkRuns).toHaveLength(1)
    const again = await setup()
    again.gh.fault({ method: 'POST', path: RUNS, times: 5 }, { status: 503, body: {} })
    await expect(again.check().write(working)).rejects.toMatchObject({ status: 503 })
    expect(again.calls()).toEqual(['POST 503', 'GET 200', 'POST 503', 'GET 200'])
    expect(again.gh.checkRuns).toHaveLength(0)
  })

  it('adopts only a run with its external id, and brings an older one up to date', async () => {
    const { gh, check, calls } = await setup()
    // Another session's run of the same name, and an earlier attempt of this session's.
    gh.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'github-actions', externalId: 'other' })
    const mine = gh.addCheckRun({
      name: 'Devin',
      headSha: HEAD,
      app: 'github-actions',
      externalId: SESSION,
      output: { title: 'old', summary: 'old' }
    })
    gh.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'github-actions', externalId: 'newer' })
    gh.fault({ method: 'POST', path: RUNS }, { status: 504, body: {} })
    const result = await check().write(finished)
    expect(result.id).toBe(mine.id)
    expect(calls()).toEqual(['POST 504', 'GET 200', 'PATCH 200'])
    expect(mine).toMatchObject({ status: 'completed', output: { title: 'Devin finished' } })
    expect(gh.checkRuns.filter((r) => r.externalId === 'other')[0]?.history).toHaveLength(1)
  })

  it('throws ChecksRefused for a token without checks: write, and writes nothing', async () => {
    const { gh, check } = await setup('ghs_no_checks')
    const err = await check()
      .write(working)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChecksRefused)
    expect(err).toMatchObject({ status: 403, reason: 'permission' })
    expect((err as Error).message).toMatch(
      /^GitHub refused the check run \(403 Resource not accessible by integration.*\): the token needs the `checks: write` permission/
    )
    expect(gh.checkRuns).toHaveLength(0)
  })

  it('throws ChecksRefused for a personal access token, saying only an App’s token can', async () => {
    const { gh, check } = await setup('ghp_alice')
    const err = await check()
      .write(working)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChecksRefused)
    expect(err).toMatchObject({ reason: 'personal-token' })
    expect((err as Error).message).toContain('403 You must authenticate via a GitHub App.')
    expect((err as Error).message).toContain('a personal access token cannot create check runs')
    expect(gh.requests.map((q) => `${q.method} ${q.answer}`)).toEqual(['POST 403'])
  })

  it('throws ChecksRefused for another App’s run, naming that App’s rule', async () => {
    const { gh, check } = await setup('ghs_other')
    const theirs = gh.addCheckRun({ name: 'Devin', headSha: HEAD, app: 'github-actions' })
    const err = await check({ id: theirs.id, url: '' })
      .write(finished)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ChecksRefused)
    expect(err).toMatchObject({ reason: 'other-app' })
    expect((err as Error).message).toMatch(/Invalid app_id `\d+`.*only that App may update it/)
    expect(theirs.history).toHaveLength(1)
  })

  it('surfaces GitHub’s validation errors with their status and message, not as a refusal', async () => {
    const { api, gh } = await setup()
    const run = new CheckRun(api, { name: 'Devin', headSha: 'main', externalId: SESSION })
    const err = await run.write(working).catch((e: unknown) => e)
    expect(err).not.toBeInstanceOf(ChecksRefused)
    expect(err).toMatchObject({
      status: 422,
      message: expect.stringMatching(/^No commit found for SHA: main/)
    })
    // A rate limit is no refusal either: it is reported as GitHub sent it.
    const limited = {
      status: 403,
      headers: { 'retry-after': '120' },
      body: { message: 'You have exceeded a secondary rate limit' }
    }
    gh.fault({ method: 'POST', path: RUNS }, limited)
    const slow = await new CheckRun(api, { name: 'Devin', headSha: HEAD })
      .write(working)
      .catch((e: unknown) => e)
    expect(slow).not.toBeInstanceOf(ChecksRefused)
    expect(slow).toMatchObject({ status: 403 })
  })

  it('cuts a summary to GitHub’s 65,535 bytes, which a comment-sized body can exceed', async () => {
    const { gh, check } = await setup()
    const wide: CheckSpec = { ...working, summary: body('€'.repeat(30_000)) }
    await check().write(wide)
    const summary = gh.checkRuns[0]?.output.summary ?? ''
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    expect(Buffer.byteLength(summary)).toBeGreaterThan(MAX_SUMMARY_BYTES - 200)
    expect(summary).toMatch(/cut to fit GitHub’s check run limit\._\n$/)
  })

  it('refuses a completed spec without a conclusion before sending anything', async () => {
    const { gh, check } = await setup()
    const { conclusion: _none, ...unfinished } = finished
    await expect(check().write(unfinished)).rejects.toThrow(
      'A completed check run needs a conclusion'
    )
    expect(gh.requests).toHaveLength(0)
  })
})
