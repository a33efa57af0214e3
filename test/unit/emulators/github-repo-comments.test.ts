/**
 * The GitHub emulator's repository comment list (`GET /repos/{o}/{r}/issues/comments`): every
 * comment of every issue and PR, filtered by `since`, ordered by `sort` and `direction`, paged
 * with `Link` headers like the per-issue list, and held to GitHub's description (the helpers'
 * afterEach fails on any violation not taken).
 */
import { describe, expect, it } from 'vitest'
import type { GitHubEmulator } from '../../emulators/github.ts'
import { describeViolation } from '../../emulators/conformance.ts'
import { gh, github } from './helpers.ts'

const LIST = '/repos/octo/hello/issues/comments'
const pulls = [7, 8].map((number) => ({
  number,
  head: { ref: `f${number}`, sha: 'b'.repeat(40) },
  base: { ref: 'main', sha: 'a'.repeat(40) }
}))
const at = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString()

/** Comments on PR 7, PR 8 and issue 3, created a minute apart, edited in another order. */
async function seeded(): Promise<GitHubEmulator> {
  const emu = await github({ pulls, issues: [{ number: 3 }] })
  const updated = [4, 1, 5, 2, 3]
  updated.forEach((u, i) =>
    emu.addComment({
      issue: [7, 8, 3][i % 3] as number,
      body: `c${i}`,
      login: 'bob',
      createdAt: at(i),
      updatedAt: at(10 + u)
    })
  )
  return emu
}

async function bodies(emu: GitHubEmulator, query: string): Promise<string[]> {
  const res = await gh(emu, `${LIST}${query}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as Array<{ body: string }>).map((c) => c.body)
}

describe('GitHub emulator: the repository comment list', () => {
  it('lists every issue and PR comment, by id without sort', async () => {
    const emu = await seeded()
    emu.addComment({ issue: 8, body: 'gone', login: 'bob' }).deleted = true
    expect(await bodies(emu, '')).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
    // Without `sort`, `direction` is ignored, as GitHub documents.
    expect(await bodies(emu, '?direction=desc')).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
    expect(emu.checked).toContain('issues/list-comments-for-repo')
  })

  it('orders by creation or last update, latest first unless asked ascending', async () => {
    const emu = await seeded()
    expect(await bodies(emu, '?sort=updated&direction=desc')).toEqual([
      'c2',
      'c0',
      'c4',
      'c3',
      'c1'
    ])
    expect(await bodies(emu, '?sort=updated&direction=asc')).toEqual(['c1', 'c3', 'c4', 'c0', 'c2'])
    expect(await bodies(emu, '?sort=created')).toEqual(['c4', 'c3', 'c2', 'c1', 'c0'])
    expect(await bodies(emu, '?sort=created&direction=asc')).toEqual(['c0', 'c1', 'c2', 'c3', 'c4'])
  })

  it('keeps, with since, the comments updated at or after it', async () => {
    const emu = await seeded()
    // c4 was updated exactly then: kept. c1 and c3 before: left out.
    expect(await bodies(emu, `?sort=updated&direction=desc&since=${at(13)}`)).toEqual([
      'c2',
      'c0',
      'c4'
    ])
    expect(await bodies(emu, `?since=${at(60)}`)).toEqual([])
  })

  it('pages with Link headers that keep the query', async () => {
    const emu = await github({ pulls })
    for (let i = 0; i < 250; i++)
      emu.addComment({ issue: 7 + (i % 2), body: `c${i}`, login: 'bob', updatedAt: at(i) })
    const since = at(20)
    let url: string | undefined =
      `${emu.url}${LIST}?sort=updated&direction=desc&since=${since}&per_page=100`
    const seen: string[] = []
    const links: string[] = []
    while (url) {
      const res = await fetch(url, { headers: { authorization: 'Bearer ghs_test_token' } })
      const link = res.headers.get('link') ?? ''
      links.push(link)
      seen.push(...((await res.json()) as Array<{ body: string }>).map((c) => c.body))
      url = /<([^>]+)>; rel="next"/.exec(link)?.[1]
    }
    expect(seen).toHaveLength(230)
    expect([seen[0], seen[229]]).toEqual(['c249', 'c20'])
    expect(links).toHaveLength(3)
    expect(links[0]).toContain('rel="last"')
    expect(links[0]).toContain(`since=${encodeURIComponent(since)}`)
    expect(links[0]).toMatch(/sort=updated&direction=desc&.*page=2>; rel="next"/)
    expect(links[1]).toMatch(/page=1>; rel="prev"/)
    expect(links[2]).not.toContain('rel="next"')
    // per_page is capped at 100, and defaults to 30.
    expect(await bodies(emu, '?per_page=500')).toHaveLength(100)
    expect(await bodies(emu, '')).toHaveLength(30)
  })

  it('refuses a bad since or sort with a validation error, and another repository with 404', async () => {
    const emu = await seeded()
    const bad = await gh(emu, `${LIST}?since=yesterday`)
    expect(bad.status).toBe(422)
    expect(await bad.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ field: 'since', code: 'invalid' }]
    })
    expect((await gh(emu, `${LIST}?sort=author`)).status).toBe(422)
    expect((await gh(emu, '/repos/octo/other/issues/comments')).status).toBe(404)
    // The requests were off the description; the answers were not.
    expect(emu.takeViolations().map(describeViolation)).toEqual([
      expect.stringMatching(/issues\/list-comments-for-repo.*query\/since must match format/),
      expect.stringMatching(/issues\/list-comments-for-repo.*query\/sort is "author", not one of/)
    ])
  })
})
