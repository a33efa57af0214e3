/**
 * The Actions reads of `createGitHubApi` against the GitHub emulator and its storage host, with
 * real Octokit over loopback: a run's latest jobs, a job's log through the signed redirect
 * (never with the token), fresh links for expired ones, the bound on what is read, and the
 * commit→PR lookup while GitHub's association lags. GitHub's side is held to its description.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { tailLogs } from '../../../src/handoff/ci-logs.ts'
import { screenTexts } from '../../../src/hygiene/secret-screen.ts'
import type { WorkflowRunFixture } from '../../emulators/github-actions.ts'
import { startGitHubEmulator, type GitHubEmulatorOptions } from '../../emulators/github.ts'
import { testGitHubApi } from '../../helpers/github-api.ts'

const HEAD = 'c'.repeat(40)
const FORK_HEAD = 'f'.repeat(40)
const LOGS = /^\/repos\/octo\/hello\/actions\/jobs\/\d+\/logs$/
const TOKEN = `ghp_${'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2'}`

const run: WorkflowRunFixture = {
  id: 42,
  headSha: HEAD,
  headBranch: 'feat',
  jobs: [
    {
      id: 501,
      name: 'unit',
      conclusion: 'failure',
      steps: [
        { name: 'Set up job', conclusion: 'success' },
        { name: 'Run tests', conclusion: 'failure' }
      ],
      log: `${'2024-05-01T12:00:00.0000000Z ok\n'.repeat(200)}FAIL a.test.ts\n`
    },
    { id: 502, name: 'lint', conclusion: 'failure', attempt: 1 },
    { id: 503, name: 'lint', conclusion: 'success', attempt: 2 },
    { id: 504, name: 'build', conclusion: 'skipped' }
  ]
}

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(extra: Partial<GitHubEmulatorOptions> = {}) {
  const gh = await startGitHubEmulator({
    owner: 'octo',
    repo: 'hello',
    runs: [structuredClone(run)],
    pulls: [
      { number: 7, head: { ref: 'feat', sha: HEAD }, base: { ref: 'main', sha: 'b'.repeat(40) } },
      {
        number: 8,
        head: { ref: 'patch-1', sha: FORK_HEAD, repo: 'someone/hello' },
        base: { ref: 'main', sha: 'b'.repeat(40) }
      }
    ],
    ...extra
  })
  open.push(gh)
  return { gh, blob: gh.actions.blob, api: await testGitHubApi(gh) }
}

describe('createGitHubApi: listRunJobs', () => {
  it("lists the latest attempt's jobs with their steps, asking for filter=latest", async () => {
    const { gh, api } = await setup()
    const jobs = await api.listRunJobs(42)
    expect(jobs.map((j) => [j.id, j.name, j.conclusion])).toEqual([
      [501, 'unit', 'failure'],
      [503, 'lint', 'success'],
      [504, 'build', 'skipped']
    ])
    expect(jobs[0]).toEqual({
      id: 501,
      name: 'unit',
      conclusion: 'failure',
      html_url: 'https://github.com/octo/hello/actions/runs/42/job/501',
      steps: [
        { name: 'Set up job', number: 1, conclusion: 'success' },
        { name: 'Run tests', number: 2, conclusion: 'failure' }
      ]
    })
    expect(gh.requestsTo('GET', '/repos/octo/hello/actions/runs/42/jobs')[0]?.query).toMatchObject({
      filter: 'latest'
    })
  })

  it('reads every page of a run with more than 100 jobs', async () => {
    const jobs = Array.from({ length: 130 }, (_, i) => ({
      name: `shard ${i}`,
      conclusion: 'failure' as const
    }))
    const { gh, api } = await setup({ runs: [{ id: 7, headSha: HEAD, headBranch: 'feat', jobs }] })
    expect(await api.listRunJobs(7)).toHaveLength(130)
    expect(gh.requestsTo('GET', '/repos/octo/hello/actions/runs/7/jobs')).toHaveLength(2)
  })

  it('fails with the status when the token may not read Actions, or the run is unknown', async () => {
    const { api } = await setup({
      tokens: {
        ghs_test_token: {
          login: 'github-actions[bot]',
          type: 'Bot',
          installation: true,
          actions: 'none'
        }
      }
    })
    await expect(api.listRunJobs(42)).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration')
    })
    await expect(api.jobLog(501, 100)).rejects.toMatchObject({ status: 403 })
    const other = await setup()
    await expect(other.api.listRunJobs(999)).rejects.toMatchObject({ status: 404 })
  })
})

describe('createGitHubApi: jobLog', () => {
  it('follows the redirect without the token and keeps the last maxBytes', async () => {
    const { gh, blob, api } = await setup()
    const log = await api.jobLog(501, 100)
    expect(Buffer.from(log.tail).toString()).toMatch(/FAIL a\.test\.ts\n$/)
    expect(log.tail.length).toBe(100)
    expect(log).toMatchObject({ cutBefore: true, complete: true })
    expect(log.bytesRead).toBe(Buffer.byteLength(run.jobs[0]?.log ?? ''))
    // GitHub saw the token; the storage host saw none, nor anything else of ours.
    expect(gh.requestsTo('GET', LOGS)[0]?.headers.authorization).toMatch(/^token ghs_test_token$/)
    const downloads = blob.requestsTo('GET', /^\/logs\//)
    expect(downloads).toHaveLength(1)
    expect(downloads[0]?.headers.authorization).toBeUndefined()
    expect(JSON.stringify(downloads[0]?.headers)).not.toContain('ghs_test_token')
    expect(downloads[0]?.answer).toBe(200)
  })

  it('keeps a short log whole', async () => {
    const { api } = await setup()
    const log = await api.jobLog(502, 1_000_000)
    expect(Buffer.from(log.tail).toString()).toContain('Job lint of run 42')
    expect(log).toMatchObject({ cutBefore: false, complete: true })
  })

  it('asks GitHub for a fresh link when one expired, once per failed download', async () => {
    const { gh, blob, api } = await setup()
    blob.fault({ path: /^\/logs\// }, { status: 403, body: 'AuthenticationFailed' })
    const log = await api.jobLog(501, 50)
    expect(Buffer.from(log.tail).toString()).toContain('FAIL a.test.ts')
    expect(gh.requestsTo('GET', LOGS)).toHaveLength(2)
    expect(blob.requestsTo('GET', /^\/logs\//).map((r) => r.answer)).toEqual([403, 200])
  })

  it('gives up after three links that all expire, with the status and no signature', async () => {
    let t = 0
    const { gh, blob, api } = await setup({ blob: { ttlMs: 1000, now: () => (t += 5000) } })
    const err = (await api.jobLog(501, 50).catch((e: unknown) => e)) as Error & { status?: number }
    expect(err).toMatchObject({ name: 'JobLogError', status: 403 })
    expect(err.message).toContain('403')
    expect(err.message).toContain('Signature not valid in the specified time frame')
    expect(err.message).toContain(`${blob.url}/logs/`)
    // The storage host echoed the signature: the message does not pass it on.
    const links = gh.requestsTo('GET', LOGS).map((r) => String(r.answerHeaders?.location))
    const lastSig = new URL(links[2] ?? '').searchParams.get('sig') ?? ''
    expect(lastSig.length).toBeGreaterThan(10)
    expect(blob.requests[2]?.query.sig).toBe(lastSig)
    expect(err.message).not.toContain(lastSig)
    expect(err.message).toContain('sig=***')
    expect(gh.requestsTo('GET', LOGS)).toHaveLength(3)
  })

  it('does not retry what a fresh link cannot cure, nor a job GitHub does not know', async () => {
    const { gh, blob, api } = await setup()
    blob.fault({ path: /^\/logs\// }, { status: 400, body: 'InvalidQueryParameterValue' })
    await expect(api.jobLog(501, 50)).rejects.toMatchObject({ status: 400 })
    expect(gh.requestsTo('GET', LOGS)).toHaveLength(1)
    await expect(api.jobLog(999_999, 50)).rejects.toMatchObject({ status: 404 })
    expect(blob.requestsTo('GET', /^\/logs\//)).toHaveLength(1)
  })

  it('reads a dropped download again through a fresh link', async () => {
    const { gh, blob, api } = await setup()
    blob.fault({ path: /^\/logs\// }, { drop: 'before' })
    const log = await api.jobLog(501, 50)
    expect(log.complete).toBe(true)
    expect(gh.requestsTo('GET', LOGS)).toHaveLength(2)
  })

  it('fails after three dropped downloads, naming the host and not the signature', async () => {
    const { gh, blob, api } = await setup()
    blob.fault({ path: /^\/logs\// }, { drop: 'before' })
    blob.fault({ path: /^\/logs\// }, { drop: 'before' })
    blob.fault({ path: /^\/logs\// }, { drop: 'before' })
    const err = (await api.jobLog(501, 50).catch((e: unknown) => e)) as Error & { status?: number }
    expect(err).toMatchObject({ name: 'JobLogError', status: undefined })
    expect(err.message).toMatch(new RegExp(`^job log download from ${blob.url}/logs/t3 failed: `))
    expect(err.message).not.toContain('sig')
    expect(gh.requestsTo('GET', LOGS)).toHaveLength(3)
  })

  it('stops reading at the total bound and says the tail is not the end', async () => {
    const big = Buffer.concat([Buffer.alloc(3 * 1024 * 1024, 'a'), Buffer.from('\nTHE END\n')])
    const { api } = await setup({
      runs: [
        {
          id: 9,
          headSha: HEAD,
          headBranch: 'feat',
          jobs: [{ id: 9001, name: 'big', conclusion: 'failure', log: big }]
        }
      ]
    })
    const log = await api.jobLog(9001, 1000, { maxTotalBytes: 1024 * 1024 })
    expect(log).toMatchObject({ complete: false, cutBefore: true, bytesRead: 1024 * 1024 })
    expect(log.tail.length).toBe(1000)
    expect(Buffer.from(log.tail).toString()).not.toContain('THE END')
    const whole = await api.jobLog(9001, 1000)
    expect(whole).toMatchObject({ complete: true, bytesRead: big.length })
    expect(Buffer.from(whole.tail).toString()).toMatch(/\nTHE END\n$/)
  })

  it('hands a planted credential to the tail and screen, which redact it before anything leaves', async () => {
    const log = `${'npm ERR! step\n'.repeat(100)}fatal: could not push with ${TOKEN}\n`
    const { api } = await setup({
      runs: [
        {
          id: 3,
          headSha: HEAD,
          headBranch: 'feat',
          jobs: [{ id: 3001, name: 'deploy', conclusion: 'failure', log }]
        }
      ]
    })
    const got = await api.jobLog(3001, 4096)
    const [tail] = tailLogs(
      [{ id: 3001, name: 'deploy', steps: [], log: got.tail, cutBefore: got.cutBefore }],
      300
    )
    expect(tail?.text).toContain(TOKEN)
    const { texts } = await screenTexts(
      [{ text: tail?.text ?? '', where: (n) => `deploy:${n}`, warning: (l) => l }],
      'redact',
      { warning: () => undefined }
    )
    expect(texts[0]).not.toContain(TOKEN)
    expect(texts[0]).toContain('fatal: could not push with')
  })
})

describe('createGitHubApi: pullsForCommit', () => {
  it('finds the PR of a commit, after GitHub caught up, and a fork PR by its head', async () => {
    const { gh, api } = await setup()
    gh.actions.lagPullLookups(2)
    expect(await api.pullsForCommit(HEAD)).toEqual([])
    expect(await api.pullsForCommit(HEAD)).toEqual([])
    expect(await api.pullsForCommit(HEAD)).toEqual([
      {
        number: 7,
        state: 'open',
        html_url: 'https://github.com/octo/hello/pull/7',
        head: { ref: 'feat', sha: HEAD, repo: { full_name: 'octo/hello', fork: false } },
        base: { ref: 'main', sha: 'b'.repeat(40) }
      }
    ])
    const [fork] = await api.pullsForCommit(FORK_HEAD)
    expect(fork).toMatchObject({
      number: 8,
      head: { repo: { full_name: 'someone/hello', fork: true } }
    })
    expect(await api.pullsForCommit('d'.repeat(40))).toEqual([])
    expect(gh.checked).toContain('repos/list-pull-requests-associated-with-commit')
  })
})
