/**
 * The GitHub emulator's Actions slice on its own: `filter=latest|all`, the 302 to the storage
 * host and what that host refuses, the commit→PR lookup that lags, and the conformance check
 * reaching these routes (a planted drift is caught).
 */
import { describe, expect, it } from 'vitest'
import type { WorkflowRunFixture } from '../../emulators/github-actions.ts'
import { gh, github } from './helpers.ts'

const HEAD = 'c'.repeat(40)
const run: WorkflowRunFixture = {
  id: 42,
  headSha: HEAD,
  headBranch: 'feat',
  jobs: [
    { id: 502, name: 'lint', conclusion: 'failure', attempt: 1 },
    { id: 503, name: 'lint', conclusion: 'success', attempt: 2 },
    {
      id: 504,
      name: 'unit',
      conclusion: 'failure',
      steps: [{ name: 'Test', conclusion: 'failure' }]
    }
  ]
}
const pulls = [
  { number: 7, head: { ref: 'feat', sha: HEAD }, base: { ref: 'main', sha: 'b'.repeat(40) } }
]

type Jobs = { total_count: number; jobs: Array<{ id: number; run_attempt: number }> }

describe('GitHub emulator: workflow run jobs', () => {
  it('lists the latest attempt of each job by default and with filter=latest, every attempt with all', async () => {
    const emu = await github({ runs: [run] })
    const ids = async (q: string) =>
      (
        (await (await gh(emu, `/repos/octo/hello/actions/runs/42/jobs${q}`)).json()) as Jobs
      ).jobs.map((j) => j.id)
    expect(await ids('')).toEqual([503, 504])
    expect(await ids('?filter=latest')).toEqual([503, 504])
    expect(await ids('?filter=all')).toEqual([502, 503, 504])
    expect((await gh(emu, '/repos/octo/hello/actions/runs/43/jobs')).status).toBe(404)
  })

  it("is held to GitHub's description: a job without a documented field is caught", async () => {
    const emu = await github({ runs: [run] })
    emu.alterAnswers({ path: '/repos/octo/hello/actions/runs/42/jobs' }, (reply) => {
      for (const j of (reply.json as { jobs: Array<Record<string, unknown>> }).jobs)
        delete j.runner_name
      return reply
    })
    await gh(emu, '/repos/octo/hello/actions/runs/42/jobs')
    expect(emu.checked).toContain('actions/list-jobs-for-workflow-run')
    const found = emu.takeViolations()
    expect(found).toHaveLength(1)
    expect(JSON.stringify(found)).toContain('runner_name')
  })
})

describe('GitHub emulator: job logs', () => {
  it('redirects to a signed link on the storage host, which serves it once and never with a token', async () => {
    const emu = await github({ runs: [run] })
    const res = await gh(emu, '/repos/octo/hello/actions/jobs/504/logs', { redirect: 'manual' })
    expect(res.status).toBe(302)
    const link = res.headers.get('location') ?? ''
    expect(link.startsWith(`${emu.actions.blob.url}/logs/`)).toBe(true)
    expect(new URL(link).searchParams.get('sig')).toBeTruthy()
    expect((await fetch(link, { headers: { authorization: 'token x' } })).status).toBe(403)
    const log = await (await fetch(link)).text()
    expect(log).toContain('##[group]Run Test')
    expect(log).toContain('##[error]Process completed with exit code 1.')
    expect((await fetch(link)).status).toBe(403)
    expect((await fetch(`${emu.actions.blob.url}/logs/nope?sig=x`)).status).toBe(404)
    expect((await gh(emu, '/repos/octo/hello/actions/jobs/999/logs')).status).toBe(404)
    expect(emu.checked).toContain('actions/download-job-logs-for-workflow-run')
  })

  it("expires a link by the storage host's clock, and serves more uses when told", async () => {
    let now = 0
    const emu = await github({ runs: [run], blob: { ttlMs: 1000, uses: 2, now: () => now } })
    const link = emu.actions.blob.issue(1, Buffer.from('log'))
    expect((await fetch(link)).status).toBe(200)
    expect((await fetch(link)).status).toBe(200)
    expect((await fetch(link)).status).toBe(403)
    const fresh = emu.actions.blob.issue(1, Buffer.from('log'))
    now = 1001
    const late = await fetch(fresh)
    expect(late.status).toBe(403)
    expect(await late.text()).toContain('Signature not valid in the specified time frame')
  })

  it('answers 403 to a token that may not read Actions', async () => {
    const emu = await github({
      runs: [run],
      tokens: { ghs_blind: { login: 'blind[bot]', type: 'Bot', actions: 'none' } }
    })
    expect((await gh(emu, '/repos/octo/hello/actions/jobs/504/logs', {}, 'ghs_blind')).status).toBe(
      403
    )
    expect((await gh(emu, '/repos/octo/hello/actions/runs/42/jobs', {}, 'ghs_blind')).status).toBe(
      403
    )
  })
})

describe('GitHub emulator: commit→PR lookup', () => {
  it('answers [] for the scripted number of lookups, then the PRs at that head', async () => {
    const emu = await github({ pulls })
    emu.actions.lagPullLookups(1)
    const numbers = async (sha: string) =>
      (
        (await (await gh(emu, `/repos/octo/hello/commits/${sha}/pulls`)).json()) as Array<{
          number: number
        }>
      ).map((p) => p.number)
    expect(await numbers(HEAD)).toEqual([])
    expect(await numbers(HEAD)).toEqual([7])
    expect(await numbers('e'.repeat(40))).toEqual([])
    expect((await gh(emu, '/repos/octo/hello/commits/not-a-sha/pulls')).status).toBe(422)
  })
})
