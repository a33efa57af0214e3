/**
 * The whole path, end to end: the built action under Node 24, a real shallow PR checkout, and
 * the Devin and GitHub emulators. Asserts what a user sees: outputs, summary, the comment, and
 * exactly which requests reached the APIs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { headlineOf, stateOf } from '../helpers/comment.ts'
import {
  API_KEY,
  GITHUB_TOKEN,
  everything,
  prScenario,
  type PrScenario
} from '../helpers/scenario.ts'

let s: PrScenario | undefined
afterEach(async () => {
  await s?.close()
  s = undefined
})

describe('pull_request handoff', () => {
  it('creates one session with the task, the repo, the branch, the PR and the real diff', async () => {
    s = await prScenario()
    const r = await s.run()
    expect(r.code, r.stdout + r.stderr).toBe(0)

    const creates = s.devin.requestsTo('POST', /\/sessions$/)
    expect(creates).toHaveLength(1)
    const body = creates[0]?.json as {
      prompt: string
      tags: string[]
      title: string
      repos: string[]
    }
    expect(body.prompt).toContain('Review this pull request and fix what is broken.')
    expect(body.prompt).toContain('acme/widgets')
    expect(body.prompt).toContain('feature')
    expect(body.prompt).toContain('#7')
    expect(body.prompt).toContain('+export function mul(a: number, b: number): number {')
    expect(body.title).toBe('acme/widgets#7: Add multiplication')
    expect(body.repos).toEqual(['acme/widgets'])
    expect(body.tags).toContain('github-action')
    expect(body.tags).toContain('gh:acme/widgets#7:default')
    expect(body.tags.some((t) => t.startsWith('gh-run:acme/widgets:'))).toBe(true)
    // The exact repository and PR tags, and the live index: a sticky comment will show it.
    expect(body.tags).toEqual(
      expect.arrayContaining(['gh:acme/widgets', 'gh:acme/widgets#7', 'gh-live:acme/widgets'])
    )

    const [session] = [...s.devin.sessions.values()]
    expect(r.outputs['session-id']).toBe(session?.devinId)
    expect(r.outputs['session-url']).toBe(`https://app.devin.ai/sessions/${session?.devinId}`)
    expect(r.outputs.status).toBe('new')
    expect(r.outputs.result).toBe('created')
    expect(r.outputs['prompt-bytes']).toBe(String(Buffer.byteLength(body.prompt)))
    expect(r.outputs['diff-truncated']).toBe('false')

    const comments = s.github.liveComments(7)
    expect(comments).toHaveLength(1)
    expect(r.outputs['comment-url']).toContain(String(comments[0]?.id))
    expect(comments[0]?.body).toContain('<!-- devin-handoff:default -->')
    expect(comments[0]?.body).toContain(`](https://app.devin.ai/sessions/${session?.devinId})`)
    // Nobody follows the session: the comment says it started, with no status to go stale.
    expect(headlineOf(comments[0]?.body ?? '')).toBe(
      `**🚀 Devin session started** · [follow it in Devin](https://app.devin.ai/sessions/${session?.devinId})`
    )
    expect(r.summary).toContain('Devin session started')
    expect(r.summary).toContain(`https://app.devin.ai/sessions/${session?.devinId}`)

    // One tag write once the comment is up: what it shows and where, for a later mode: sync.
    const puts = s.devin.requestsTo('PUT', /\/sessions\/devin-[0-9a-f]+\/tags$/)
    expect(puts).toHaveLength(1)
    expect((puts[0]?.json as { tags: string[] }).tags).toEqual([
      ...body.tags.filter((t) => t !== 'gh-live:acme/widgets'),
      'gh-live:acme/widgets',
      'gh-shown:new/-/0',
      `gh-comment:${comments[0]?.id}`
    ])
    expect(session?.state.tags).toEqual((puts[0]?.json as { tags: string[] }).tags)
    // No check run without wait (status-check: auto).
    expect(s.github.requestsTo('POST', /\/check-runs$/)).toEqual([])
  })

  it('updates the same comment on a second run and never adds another', async () => {
    s = await prScenario()
    const first = await s.run()
    const second = await s.run({ prompt: 'Second pass: also add tests.' })
    expect(first.code).toBe(0)
    expect(second.code, second.stdout).toBe(0)
    expect(s.devin.createCount).toBe(2)
    const comments = s.github.liveComments(7)
    expect(comments).toHaveLength(1)
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
    expect(comments[0]?.body).toContain(second.outputs['session-id'])
    expect(s.github.requestsTo('POST', /\/issues\/7\/comments$/)).toHaveLength(1)
    expect(s.github.requestsTo('PATCH', /\/issues\/comments\/\d+$/)).toHaveLength(1)
  })

  it('never writes the API key or the GitHub token anywhere', async () => {
    s = await prScenario()
    const ok = await s.run()
    const bad = await s.run({ 'org-id': 'org-unknown' })
    expect(ok.code).toBe(0)
    expect(bad.code).toBe(1)
    const all = everything(s, [ok, bad])
    expect(all).not.toContain(API_KEY)
    expect(all).not.toContain(GITHUB_TOKEN)
    // The key is masked before anything else is printed.
    expect(ok.stdout.split('\n')[0]).toBe(`::add-mask::${API_KEY}`)
    // The key was really in play: the Devin emulator saw it as the bearer credential.
    expect(s.devin.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`)
  })

  it('fails with the status and detail when Devin refuses, and says so on the PR', async () => {
    s = await prScenario()
    const r = await s.run({ 'org-id': 'org-unknown' })
    expect(r.code).toBe(1)
    const error = r.commands.find((c) => c.command === 'error')
    expect(error?.message).toMatch(
      new RegExp(
        `^Devin API POST ${s.devin.url}/v3/organizations/org-unknown/sessions failed: 40[34]`
      )
    )
    expect(r.outputs.result).toBe('error')
    expect(s.devin.createCount).toBe(0)
    expect(stateOf(s.github.liveComments(7)[0]?.body ?? '')).toBe('❌ Handoff failed')
  })

  it('discovers the org with GET /v3/self when org-id is empty', async () => {
    s = await prScenario()
    const r = await s.run({ 'org-id': '' })
    expect(r.code, r.stdout).toBe(0)
    expect(s.devin.requestsTo('GET', '/v3/self')).toHaveLength(1)
    expect(s.devin.createCount).toBe(1)
  })

  it('rejects bad input before any request', async () => {
    s = await prScenario()
    const r = await s.run({ 'max-diff-bytes': 'lots' })
    expect(r.code).toBe(1)
    expect(r.commands.find((c) => c.command === 'error')?.message).toBe(
      "Input 'max-diff-bytes': expected a whole number, got 'lots'"
    )
    expect(s.devin.requests).toHaveLength(0)
    expect(s.github.requests).toHaveLength(0)
  })

  it('prints the prompt and sends nothing in a dry run', async () => {
    s = await prScenario()
    const r = await s.run({ 'dry-run': 'true', 'require-permission': 'none' })
    expect(r.code, r.stdout).toBe(0)
    expect(r.outputs.result).toBe('dry-run')
    expect(r.stdout).toContain('+export function mul')
    expect(r.summary).toContain('+export function mul')
    expect(Number(r.outputs['prompt-bytes'])).toBeGreaterThan(100)
    expect(s.devin.requests).toHaveLength(0)
    expect(s.github.comments).toHaveLength(0)
  })
})
