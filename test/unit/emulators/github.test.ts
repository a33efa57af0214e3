import { describe, expect, it } from 'vitest'
import type { FileFixture } from '../../emulators/github.ts'
import { gh, github } from './helpers.ts'

describe('GitHub emulator', () => {
  const tokens = {
    ghs_test_token: { login: 'github-actions[bot]', type: 'Bot' as const, installation: true },
    ghp_user: { login: 'alice', type: 'User' as const },
    ghs_ro: { login: 'ro[bot]', type: 'Bot' as const, installation: true, readOnly: true }
  }
  const files = (n: number): FileFixture[] =>
    Array.from({ length: n }, (_, i) => ({
      filename: `f${i}.txt`,
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: '@@ -0,0 +1 @@\n+x'
    }))
  const pr = (number: number, n: number) => ({
    number,
    head: { ref: 'feat', sha: 'b'.repeat(40) },
    base: { ref: 'main', sha: 'a'.repeat(40) },
    files: files(n)
  })

  it('answers bad credentials and /user like GitHub', async () => {
    const emu = await github({ tokens })
    const bad = await gh(emu, '/user', {}, 'nope')
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials', status: '401' })
    const inst = await gh(emu, '/user')
    expect(inst.status).toBe(403)
    expect(await inst.json()).toMatchObject({ message: 'Resource not accessible by integration' })
    expect(await (await gh(emu, '/user', {}, 'ghp_user')).json()).toMatchObject({
      login: 'alice',
      type: 'User'
    })
  })

  it('says which App wrote a comment (performed_via_github_app), as GitHub does', async () => {
    const emu = await github({
      tokens: {
        ...tokens,
        ghs_app: { login: 'my-app[bot]', type: 'Bot', installation: true },
        ghu_eve: { login: 'eve', type: 'User', app: 'my-app' }
      },
      issues: [{ number: 3 }]
    })
    emu.addComment({ issue: 3, body: 'seeded bot', login: 'other[bot]', type: 'Bot' })
    const post = (token: string, body: string) =>
      gh(
        emu,
        '/repos/octo/hello/issues/3/comments',
        { method: 'POST', body: JSON.stringify({ body }) },
        token
      )
    for (const [token, body] of [
      ['ghs_test_token', 'actions'],
      ['ghs_app', 'app'],
      ['ghp_user', 'pat'],
      ['ghu_eve', 'for eve']
    ] as const) {
      expect((await post(token, body)).status).toBe(201)
    }
    const listed = (await (await gh(emu, '/repos/octo/hello/issues/3/comments')).json()) as Array<{
      body: string
      user: { login: string; type: string }
      performed_via_github_app: { id: number; slug: string; name: string; owner: object } | null
    }>
    const seen = listed.map((c) => [
      c.body,
      c.user.login,
      c.user.type,
      c.performed_via_github_app?.slug ?? null
    ])
    expect(seen).toEqual([
      ['seeded bot', 'other[bot]', 'Bot', 'other'],
      ['actions', 'github-actions[bot]', 'Bot', 'github-actions'],
      ['app', 'my-app[bot]', 'Bot', 'my-app'],
      ['pat', 'alice', 'User', null],
      // An App acting for a person: the person is the author, the App performed it.
      ['for eve', 'eve', 'User', 'my-app']
    ])
    expect(listed[1]?.performed_via_github_app).toMatchObject({ id: 15368, name: 'GitHub Actions' })
    expect(listed[1]?.user).toMatchObject({ html_url: 'https://github.com/apps/github-actions' })
  })

  it('pages comments with Link headers across more than 100 comments', async () => {
    const emu = await github({ tokens, pulls: [pr(7, 1)] })
    for (let i = 0; i < 150; i++) emu.addComment({ issue: 7, body: `c${i}`, login: 'bob' })
    const first = await gh(emu, '/repos/octo/hello/issues/7/comments')
    expect(((await first.json()) as unknown[]).length).toBe(30)
    let url: string | undefined = `${emu.url}/repos/octo/hello/issues/7/comments?per_page=100`
    const bodies: string[] = []
    const links: string[] = []
    while (url) {
      const res = await fetch(url, { headers: { authorization: 'Bearer ghs_test_token' } })
      const link = res.headers.get('link') ?? ''
      links.push(link)
      bodies.push(...((await res.json()) as Array<{ body: string }>).map((c) => c.body))
      url = /<([^>]+)>; rel="next"/.exec(link)?.[1]
    }
    expect(bodies).toHaveLength(150)
    expect(bodies[149]).toBe('c149')
    expect(links[0]).toContain('rel="last"')
    expect(links[1]).toMatch(/page=1>; rel="prev"/)
  })

  it('lets only the author edit or delete; enforces 65536 chars; read-only tokens cannot write', async () => {
    const emu = await github({ tokens, issues: [{ number: 3, title: 'bug' }] })
    const theirs = emu.addComment({ issue: 3, body: 'hello', login: 'bob' })
    const created = await gh(emu, '/repos/octo/hello/issues/3/comments', {
      method: 'POST',
      body: JSON.stringify({ body: 'x'.repeat(65536) })
    })
    expect(created.status).toBe(201)
    const mine = (await created.json()) as { id: number; user: { login: string; type: string } }
    expect(mine.user).toMatchObject({ login: 'github-actions[bot]', type: 'Bot' })
    const patch = (id: number, body: string, token?: string) =>
      gh(
        emu,
        `/repos/octo/hello/issues/comments/${id}`,
        { method: 'PATCH', body: JSON.stringify({ body }) },
        token
      )
    expect((await patch(mine.id, 'updated')).status).toBe(200)
    expect((await patch(theirs.id, 'hijack')).status).toBe(403)
    expect(
      (await gh(emu, `/repos/octo/hello/issues/comments/${theirs.id}`, { method: 'DELETE' })).status
    ).toBe(403)
    const tooLong = await patch(mine.id, 'y'.repeat(65537))
    expect(tooLong.status).toBe(422)
    expect(await tooLong.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', field: 'body', code: 'custom' }]
    })
    const ro = await patch(mine.id, 'ro', 'ghs_ro')
    expect(ro.status).toBe(403)
    expect(await ro.json()).toMatchObject({ message: 'Resource not accessible by integration' })
    expect(
      (await gh(emu, `/repos/octo/hello/issues/comments/${mine.id}`, { method: 'DELETE' })).status
    ).toBe(204)
    expect((await gh(emu, `/repos/octo/hello/issues/comments/${mine.id}`)).status).toBe(404)
    expect(emu.comments.find((c) => c.id === mine.id)?.deleted).toBe(true)
    expect(emu.comments.find((c) => c.id === theirs.id)?.body).toBe('hello')
  })

  it('stores reactions and reports permissions with role_name', async () => {
    const emu = await github({
      tokens,
      pulls: [pr(1, 1)],
      permissions: { alice: 'maintain', bob: 'write' }
    })
    const c = emu.addComment({ issue: 1, body: '/devin', login: 'alice' })
    const path = `/repos/octo/hello/issues/comments/${c.id}/reactions`
    const r = await gh(emu, path, { method: 'POST', body: JSON.stringify({ content: 'eyes' }) })
    expect(r.status).toBe(201)
    expect(
      (await gh(emu, path, { method: 'POST', body: JSON.stringify({ content: 'nope' }) })).status
    ).toBe(422)
    expect(emu.takeViolations().flatMap((v) => v.problems)).toEqual([
      'body/content is "nope", not one of ["+1","-1","laugh","confused","heart","hooray","rocket","eyes"]'
    ])
    expect(emu.reactions).toHaveLength(1)
    const perm = (u: string) =>
      gh(emu, `/repos/octo/hello/collaborators/${u}/permission`).then((x) => x.json())
    expect(await perm('bob')).toMatchObject({
      permission: 'write',
      role_name: 'write',
      user: { login: 'bob' }
    })
    expect(await perm('alice')).toMatchObject({ permission: 'write', role_name: 'maintain' })
    expect(await perm('mallory')).toMatchObject({ permission: 'none' })
  })

  it('pages PR files (max 100 per page, 3000 total) and refuses diffs over 300 files', async () => {
    const emu = await github({ tokens, pulls: [pr(1, 250), pr(2, 3500)] })
    const p1 = await gh(emu, '/repos/octo/hello/pulls/1/files?per_page=500&page=3')
    expect(((await p1.json()) as unknown[]).length).toBe(50)
    expect(p1.headers.get('link')).toContain('rel="prev"')
    const last = await gh(emu, '/repos/octo/hello/pulls/2/files?per_page=100&page=30')
    expect(((await last.json()) as unknown[]).length).toBe(100)
    expect(
      await (await gh(emu, '/repos/octo/hello/pulls/2/files?per_page=100&page=31')).json()
    ).toEqual([])
    const diff = await gh(emu, '/repos/octo/hello/pulls/2', {
      headers: { accept: 'application/vnd.github.diff' }
    })
    expect(diff.status).toBe(406)
    expect(((await diff.json()) as { message: string }).message).toContain(
      'maximum number of files (300)'
    )
    const small = await github({ tokens, pulls: [pr(5, 2)] })
    const text = await gh(small, '/repos/octo/hello/pulls/5', {
      headers: { accept: 'application/vnd.github.diff' }
    })
    expect(await text.text()).toContain('diff --git a/f1.txt b/f1.txt')
    const json = (await (await gh(small, '/repos/octo/hello/pulls/5')).json()) as Record<
      string,
      unknown
    >
    expect(json).toMatchObject({
      number: 5,
      head: { ref: 'feat', repo: { full_name: 'octo/hello', fork: false } }
    })
    expect(await (await gh(small, '/repos/octo/hello/issues/5')).json()).toHaveProperty(
      'pull_request'
    )
  })

  it('injects a secondary rate limit', async () => {
    const emu = await github({ tokens, pulls: [pr(1, 1)] })
    const message = 'You have exceeded a secondary rate limit'
    emu.fault(
      { method: 'POST' },
      { status: 403, headers: { 'retry-after': '60' }, body: { message } }
    )
    const res = await gh(emu, '/repos/octo/hello/issues/1/comments', {
      method: 'POST',
      body: '{"body":"x"}'
    })
    expect(res.status).toBe(403)
    expect(res.headers.get('retry-after')).toBe('60')
    expect(emu.comments).toHaveLength(0)
  })
})
