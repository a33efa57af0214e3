/**
 * `listRepoComments` against the GitHub emulator with real Octokit over loopback: what it asks
 * for (latest update first, since a moment, 100 a page), that it follows every page, and that it
 * asks for no page its reader did not get to. Every request and answer is held to GitHub's
 * description when the emulator closes.
 */
import { testGitHubApi } from '../../helpers/github-api.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { startGitHubEmulator } from '../../emulators/github.ts'

const LIST = '/repos/octo/hello/issues/comments'
const at = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString()

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function setup(comments: number) {
  const gh = await startGitHubEmulator({
    owner: 'octo',
    repo: 'hello',
    pulls: [7, 8].map((number) => ({
      number,
      head: { ref: `f${number}`, sha: 'a'.repeat(40) },
      base: { ref: 'main', sha: 'b'.repeat(40) }
    })),
    issues: [{ number: 3 }]
  })
  open.push(gh)
  // Created in id order; last edited in the reverse order of creation for the even ones.
  for (let i = 0; i < comments; i++)
    gh.addComment({
      issue: [7, 8, 3][i % 3] as number,
      body: `c${i}`,
      login: 'bob',
      createdAt: at(i),
      updatedAt: at(i % 2 === 0 ? 1000 - i : i)
    })
  const api = await testGitHubApi(gh)
  return { gh, api }
}

describe('createGitHubApi: listRepoComments', () => {
  it('lists every issue and PR comment updated since, latest update first, every page', async () => {
    const { gh, api } = await setup(250)
    const seen: Array<{ body?: string; updated_at?: string; issue_url?: string }> = []
    for await (const c of api.listRepoComments({ since: at(10) })) seen.push(c)
    // The odd ones of c0…c9 were last updated before the 10th minute; the even ones, later.
    expect(seen).toHaveLength(245)
    const updates = seen.map((c) => c.updated_at ?? '')
    expect(updates).toEqual([...updates].sort().reverse())
    expect(seen[0]?.body).toBe('c0')
    expect(seen.at(-1)?.body).toBe('c11')
    expect(new Set(seen.map((c) => c.issue_url?.replace(/.*\//, '')))).toEqual(
      new Set(['7', '8', '3'])
    )
    const asked = gh.requestsTo('GET', LIST)
    expect(asked).toHaveLength(3)
    expect(asked[0]?.query).toEqual({
      sort: 'updated',
      direction: 'desc',
      since: at(10),
      per_page: '100'
    })
    expect(asked.map((q) => q.query.page)).toEqual([undefined, '2', '3'])
  })

  it('asks for no page its reader does not get to', async () => {
    const { gh, api } = await setup(250)
    let read = 0
    for await (const _ of api.listRepoComments({ since: at(0), perPage: 50 })) {
      if (++read === 100) break
    }
    expect(gh.requestsTo('GET', LIST).map((q) => q.query)).toEqual([
      expect.objectContaining({ per_page: '50' }),
      expect.objectContaining({ per_page: '50', page: '2' })
    ])
  })

  it('ends at once on an empty list, with one request', async () => {
    const { gh, api } = await setup(0)
    const seen: unknown[] = []
    for await (const c of api.listRepoComments({ since: at(0) })) seen.push(c)
    expect(seen).toEqual([])
    expect(gh.requestsTo('GET', LIST)).toHaveLength(1)
  })
})
