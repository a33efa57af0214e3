/**
 * End to end on GitHub Enterprise Server: the web host is not github.com and the REST API is
 * mounted under `/api/v3` (the emulator answers 404 anywhere else, as the server would). Every
 * link the action writes, in the comment, the summary, the outputs and the prompt, must be built
 * from `GITHUB_SERVER_URL`; a link to github.com would be a link to another company's server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderGfm, renderedUrls } from '../helpers/markdown.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { everything, OWNER, prScenario, REPO, type PrScenario } from '../helpers/scenario.ts'

const SERVER = 'https://ghes.corp.example'
const PR = 21
const PR_URL = `${SERVER}/${OWNER}/${REPO}/pull/${PR}`
const RUN_URL = `${SERVER}/${OWNER}/${REPO}/actions/runs/4242424242`
/** Devin opened one PR on this server and names one elsewhere: only ours is a link. */
const DEVIN_PR = `${SERVER}/${OWNER}/${REPO}/pull/22`
const ELSEWHERE_PR = 'https://github.com/someone/else/pull/1'

let s: PrScenario
let r: ActionResult

beforeAll(async () => {
  s = await prScenario({ prNumber: PR, serverUrl: SERVER, github: { apiPath: '/api/v3' } })
  s.devin.script([
    { status: 'running', status_detail: 'working' },
    {
      status: 'exit',
      acus_consumed: 2,
      pull_requests: [
        { pr_url: DEVIN_PR, pr_state: 'open' },
        { pr_url: ELSEWHERE_PR, pr_state: 'open' }
      ]
    }
  ])
  r = await s.run({ wait: 'true', 'poll-interval': '1' }, { timeoutMs: 90_000 })
}, 120_000)

afterAll(async () => {
  await s?.close()
})

const comment = (): string => s.github.comments[0]?.body ?? ''

describe('on GitHub Enterprise Server', () => {
  it('calls the REST API under its /api/v3 mount, and only there', () => {
    expect(r.code, r.stdout).toBe(0)
    expect(s.github.url).toMatch(/\/api\/v3$/)
    // Answered, not 404: a request outside the mount is recorded under the same path, but
    // answered 404 and flagged.
    const answered = s.github.requests.map((q) => `${q.method} ${q.path} ${q.answer}`)
    expect(answered).toEqual(
      expect.arrayContaining([
        `GET /repos/${OWNER}/${REPO}/collaborators/alice/permission 200`,
        `POST /repos/${OWNER}/${REPO}/issues/${PR}/comments 201`
      ])
    )
    expect(answered.filter((a) => a.endsWith(' 404'))).toEqual([])
    expect(s.github.violations).toEqual([])
  })

  it('links the run and the pull request on the server, in the comment and the summary', () => {
    for (const [where, markdown] of [
      ['comment', comment()],
      ['summary', r.summary]
    ] as const) {
      const urls = renderedUrls(renderGfm(markdown))
      expect(urls, where).toContain(RUN_URL)
      for (const url of urls) expect(new URL(url).host, `${where}: ${url}`).not.toBe('github.com')
    }
    // Devin's PR on this server is a link; one on github.com is shown, never linked.
    const commentUrls = renderedUrls(renderGfm(comment()))
    expect(commentUrls).toContain(DEVIN_PR)
    expect(commentUrls).not.toContain(ELSEWHERE_PR)
  })

  it('tells Devin where the pull request and the run are, on the server', () => {
    const prompt = (
      s.devin.requestsTo('POST', `/v3/organizations/${s.devin.orgId}/sessions`)[0]?.json as {
        prompt: string
      }
    ).prompt
    expect(prompt).toContain(PR_URL)
    expect(prompt).toContain(RUN_URL)
  })

  it('writes no github.com address anywhere but the one Devin named', () => {
    // The comment's timeline shows it as text, its autolink broken by a zero-width space.
    const named = new RegExp(
      ELSEWHERE_PR.replace('://', ':\u200b?//').replace(/[./]/g, '\\$&'),
      'g'
    )
    const all = everything(s, [r]).replace(named, '')
    expect(all).toContain(SERVER)
    expect(all).not.toMatch(/github\.com/i)
  })
})
