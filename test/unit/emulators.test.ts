import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { startDevinEmulator } from '../emulators/devin.ts'
import type { DevinEmulator } from '../emulators/devin.ts'
import { startGitHubEmulator } from '../emulators/github.ts'
import type { FileFixture, GitHubEmulator } from '../emulators/github.ts'
import {
  NODE_BIN,
  REPO_ROOT,
  parseFileCommands,
  runAction,
  runPost,
  startAction
} from '../helpers/run-action.ts'

const KEY = 'cog_test_key'
const ORG = '/v3/organizations/org-emulator'
const open: Array<{ close(): Promise<void> }> = []

afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()))
})

async function devin(opts: Parameters<typeof startDevinEmulator>[0] = {}): Promise<DevinEmulator> {
  const emu = await startDevinEmulator(opts)
  open.push(emu)
  return emu
}

async function github(
  opts: Partial<Parameters<typeof startGitHubEmulator>[0]> = {}
): Promise<GitHubEmulator> {
  const emu = await startGitHubEmulator({ owner: 'octo', repo: 'hello', ...opts })
  open.push(emu)
  return emu
}

function call(emu: { url: string }, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { authorization: `Bearer ${KEY}`, ...(init.headers as Record<string, string>) }
  return fetch(`${emu.url}${path}`, { ...init, headers })
}

const post = (emu: { url: string }, path: string, body: unknown): Promise<Response> =>
  call(emu, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })

async function create(emu: DevinEmulator, body: object = { prompt: 'do it' }): Promise<string> {
  const res = await post(emu, `${ORG}/sessions`, body)
  expect(res.status).toBe(200)
  return ((await res.json()) as { session_id: string }).session_id
}

const getJson = async <T>(emu: { url: string }, path: string): Promise<T> =>
  (await (await call(emu, path)).json()) as T

describe('Devin emulator', () => {
  it('rejects missing or wrong keys with problem+json and unknown orgs with 403', async () => {
    const emu = await devin()
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer cog_wrong' }]) {
      const res = await fetch(`${emu.url}${ORG}/sessions`, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      const body = (await res.json()) as Record<string, unknown>
      expect(Object.keys(body).sort()).toEqual(['detail', 'instance', 'status', 'title', 'type'])
      expect(body).toMatchObject({ status: 401, instance: `${ORG}/sessions` })
    }
    expect((await call(emu, '/v3/organizations/org-other/sessions')).status).toBe(403)
  })

  it('reports the service user and its org on /v3/self', async () => {
    const emu = await devin({ selfOrgId: null })
    const self = await getJson<Record<string, unknown>>(emu, '/v3/self')
    expect(self).toMatchObject({ principal_type: 'service_user', org_id: null })
    expect(typeof self.service_user_id).toBe('string')
  })

  it('creates sessions with 200, devin- ids and the full body recorded; validates like FastAPI', async () => {
    const emu = await devin({ webUrl: 'https://devin.example' })
    const res = await post(emu, `${ORG}/sessions`, { prompt: 'p', tags: ['a'], extra_field: 1 })
    expect(res.status).toBe(200)
    const s = (await res.json()) as Record<string, unknown>
    expect(s.session_id).toMatch(/^devin-[0-9a-f]{32}$/)
    expect(s).toMatchObject({
      status: 'new',
      tags: ['a'],
      org_id: 'org-emulator',
      pull_requests: []
    })
    expect(s.url).toBe(`https://devin.example/sessions/${String(s.session_id)}`)
    expect(Number.isInteger(s.created_at)).toBe(true)
    expect(emu.sessions.get(String(s.session_id))?.createBody).toEqual({
      prompt: 'p',
      tags: ['a'],
      extra_field: 1
    })
    const missing = await post(emu, `${ORG}/sessions`, { title: 'x' })
    expect(missing.status).toBe(422)
    expect(await missing.json()).toMatchObject({ detail: [{ loc: ['body', 'prompt'] }] })
    expect((await post(emu, `${ORG}/sessions`, { prompt: 5 })).status).toBe(422)
    const tags = Array.from({ length: 51 }, (_, i) => `t${i}`)
    expect((await post(emu, `${ORG}/sessions`, { prompt: 'p', tags })).status).toBe(422)
    expect(emu.createCount).toBe(1)
  })

  it('seeds a session as an earlier run would have left it: listed, unscripted, uncounted', async () => {
    const emu = await devin()
    emu.script([{ status: 'exit' }])
    const id = emu.seedSession({ prompt: 'earlier', tags: ['gh:o/r#1:default'] })
    expect(emu.requests).toEqual([])
    expect(emu.createCount).toBe(0)
    const res = await fetch(`${emu.url}${ORG}/sessions?tags=gh:o/r%231:default`, {
      headers: { authorization: `Bearer ${KEY}` }
    })
    const body = (await res.json()) as { items: Array<{ session_id: string; status: string }> }
    expect(body.items.map((s) => [s.session_id, s.status])).toEqual([[id, 'running']])
    // The script waiting for the next create is still there for it.
    const next = await create(emu)
    expect(emu.sessions.get(next)?.script).toEqual([{ status: 'exit' }])
    expect(emu.sessions.get(id)?.script).toEqual([])
  })

  it('needs the devin- prefix in paths and can answer ids without it', async () => {
    const emu = await devin({ idsWithoutPrefix: true })
    const id = await create(emu)
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect((await call(emu, `${ORG}/sessions/${id}`)).status).toBe(404)
    const got = await getJson<{ session_id: string }>(emu, `${ORG}/sessions/devin-${id}`)
    expect(got.session_id).toBe(id)
  })

  it('lists by tags (all must match, tags and tags[]) over several cursor pages', async () => {
    const emu = await devin()
    for (let i = 0; i < 5; i++) await create(emu, { prompt: `p${i}`, tags: ['gh', `n${i % 2}`] })
    await create(emu, { prompt: 'other', tags: ['x'] })
    const seen: string[] = []
    let after: string | null = null
    let pages = 0
    do {
      const q: string = `tags=gh&tags[]=n0&first=1${after ? `&after=${after}` : ''}`
      const page = await getJson<{
        items: Array<{ session_id: string; tags: string[] }>
        end_cursor: string | null
        has_next_page: boolean
        total: number
      }>(emu, `${ORG}/sessions?${q}`)
      expect(page.total).toBe(3)
      seen.push(...page.items.map((s) => s.session_id))
      after = page.has_next_page ? page.end_cursor : null
      pages += 1
    } while (after)
    expect(pages).toBe(3)
    expect(new Set(seen).size).toBe(3)
    expect((await call(emu, `${ORG}/sessions?first=201`)).status).toBe(422)
    expect((await call(emu, `${ORG}/sessions?first=0`)).status).toBe(422)
  })

  it('advances a scripted lifecycle one step per GET, appending messages, last step sticking', async () => {
    const emu = await devin()
    emu.script([
      { status: 'claimed' },
      { status: 'running', status_detail: 'working', messages: [{ message: 'on it' }] },
      {
        status: 'running',
        status_detail: 'finished',
        acus_consumed: 2.5,
        pull_requests: [{ pr_url: 'https://github.com/o/r/pull/9', pr_state: 'open' }]
      }
    ])
    const id = await create(emu)
    const path = `${ORG}/sessions/${id}`
    const seq: string[] = []
    for (let i = 0; i < 5; i++) {
      const s = await getJson<{ status: string; status_detail: string | null }>(emu, path)
      seq.push(`${s.status}/${s.status_detail}`)
    }
    expect(seq).toEqual([
      'claimed/null',
      'running/working',
      'running/finished',
      'running/finished',
      'running/finished'
    ])
    const msgs = await getJson<{ items: Array<{ message: string; source: string }> }>(
      emu,
      `${path}/messages`
    )
    expect(msgs.items.map((m) => `${m.source}:${m.message}`)).toEqual(['user:do it', 'devin:on it'])
    const second = await create(emu)
    const s2 = await getJson<{ status: string }>(emu, `${ORG}/sessions/${second}`)
    expect(s2.status).toBe('running')
  })

  it('pages messages with first/after, resumes a suspended session on a message', async () => {
    const emu = await devin()
    const id = await create(emu)
    const path = `${ORG}/sessions/${id}`
    emu.setSession(id, { status: 'suspended', status_detail: 'out_of_credits' })
    for (let i = 0; i < 4; i++)
      expect((await post(emu, `${path}/messages`, { message: `m${i}` })).status).toBe(200)
    const s = await getJson<{ status: string }>(emu, path)
    expect(s.status).toBe('running')
    expect(emu.sessions.get(id)?.resumes).toEqual([
      expect.objectContaining({ fromStatusDetail: 'out_of_credits' })
    ])
    type Page = { items: Array<{ message: string; event_id: string }>; end_cursor: string | null }
    const p1 = await getJson<Page>(emu, `${path}/messages?first=3`)
    const p2 = await getJson<Page>(emu, `${path}/messages?first=3&after=${p1.end_cursor}`)
    expect([...p1.items, ...p2.items].map((m) => m.message)).toEqual([
      'do it',
      'm0',
      'm1',
      'm2',
      'm3'
    ])
    expect(p2.end_cursor).toBeNull()
  })

  it('terminates once, archives, and manages tags', async () => {
    const emu = await devin()
    const id = await create(emu, { prompt: 'p', tags: ['a'] })
    const path = `${ORG}/sessions/${id}`
    expect(await (await post(emu, `${path}/tags`, { tags: ['b', 'a'] })).json()).toEqual({
      tags: ['a', 'b']
    })
    const put = await call(emu, `${path}/tags`, {
      method: 'PUT',
      body: JSON.stringify({ tags: ['z'] })
    })
    expect(await put.json()).toEqual({ tags: ['z'] })
    expect(await getJson(emu, `${path}/tags`)).toEqual({ tags: ['z'] })
    const del = await call(emu, `${path}?archive=true`, { method: 'DELETE' })
    expect(await del.json()).toMatchObject({ status: 'exit', is_archived: true })
    expect(emu.sessions.get(id)?.terminated).toBe(true)
    expect((await call(emu, path, { method: 'DELETE' })).status).toBe(409)
    expect((await post(emu, `${path}/messages`, { message: 'hi' })).status).toBe(400)
    const other = await create(emu)
    const arch = await post(emu, `${ORG}/sessions/${other}/archive`, {})
    expect(await arch.json()).toMatchObject({ is_archived: true })
  })

  it('lists attachments whose url answers 307 to the bytes', async () => {
    const emu = await devin({ attachmentsShape: 'items' })
    const id = await create(emu)
    emu.setSession(id, {
      status: 'exit',
      attachments: [{ name: 'report.md', content: '# done', content_type: 'text/markdown' }]
    })
    const list = await getJson<{ items: Array<{ url: string; name: string }> }>(
      emu,
      `${ORG}/sessions/${id}/attachments`
    )
    const url = list.items[0]?.url ?? ''
    expect(url.startsWith(emu.url)).toBe(true)
    const redirect = await fetch(url, {
      headers: { authorization: `Bearer ${KEY}` },
      redirect: 'manual'
    })
    expect(redirect.status).toBe(307)
    const file = await fetch(redirect.headers.get('location') ?? '')
    expect(file.headers.get('content-type')).toBe('text/markdown')
    expect(await file.text()).toBe('# done')
  })
})

describe('fault injection', () => {
  it('answers 429 with Retry-After, then 5xx HTML, without performing the action', async () => {
    const emu = await devin()
    emu.fault(
      { method: 'POST', path: /\/sessions$/ },
      { status: 429, headers: { 'retry-after': '3' } }
    )
    emu.fault({ path: /\/sessions$/ }, { status: 502, body: '<html>Bad Gateway</html>' })
    const r1 = await post(emu, `${ORG}/sessions`, { prompt: 'p' })
    expect(r1.status).toBe(429)
    expect(r1.headers.get('retry-after')).toBe('3')
    const r2 = await post(emu, `${ORG}/sessions`, { prompt: 'p' })
    expect(r2.status).toBe(502)
    expect(await r2.text()).toContain('Bad Gateway')
    expect(emu.createCount).toBe(0)
    await create(emu)
    expect(emu.createCount).toBe(1)
    expect(emu.requestsTo('POST', /\/sessions$/).map((r) => r.fault)).toEqual([
      'status',
      'status',
      undefined
    ])
  })

  it('drops before (nothing created) and after (session created, no answer)', async () => {
    const emu = await devin()
    emu.fault({ method: 'POST' }, { drop: 'before' })
    await expect(post(emu, `${ORG}/sessions`, { prompt: 'p' })).rejects.toThrow()
    expect(emu.createCount).toBe(0)
    emu.fault({ method: 'POST' }, { drop: 'after' })
    await expect(post(emu, `${ORG}/sessions`, { prompt: 'p' })).rejects.toThrow()
    expect(emu.createCount).toBe(1)
    expect(emu.sessions.size).toBe(1)
  })

  it('delays the answer but acts at once; sends malformed and large bodies', async () => {
    const emu = await devin()
    emu.fault({ method: 'POST' }, { delayMs: 400 })
    const started = Date.now()
    const pending = post(emu, `${ORG}/sessions`, { prompt: 'p' })
    await emu.received('POST', `${ORG}/sessions`)
    expect(emu.createCount).toBe(1)
    expect((await pending).status).toBe(200)
    // A lower bound only: a busy machine makes the answer later, never sooner.
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)

    const id = await create(emu)
    emu.fault({ method: 'GET', path: `${ORG}/sessions/${id}` }, { malformed: true })
    const bad = await call(emu, `${ORG}/sessions/${id}`)
    expect(bad.status).toBe(200)
    await expect(bad.json()).rejects.toThrow()
    emu.fault({ method: 'GET' }, { largeBody: 2_000_000 })
    const big = await call(emu, `${ORG}/sessions/${id}`)
    const text = await big.text()
    expect(text.length).toBe(2_000_000)
    expect(big.headers.get('content-length')).toBe('2000000')
    expect(JSON.parse(text)).toMatchObject({
      session_id: id,
      _padding: expect.stringMatching(/^x+$/)
    })
  })

  it('honours after and times, and clearFaults', async () => {
    const emu = await devin()
    emu.fault({ path: '/v3/self', after: 1, times: 2 }, { status: 503 })
    const codes: number[] = []
    for (let i = 0; i < 4; i++) codes.push((await call(emu, '/v3/self')).status)
    expect(codes).toEqual([200, 503, 503, 200])
    emu.fault({ path: '/v3/self', times: 5 }, { status: 500 })
    emu.clearFaults()
    expect((await call(emu, '/v3/self')).status).toBe(200)
  })

  it('closes with keep-alive sockets and delayed, hung and held answers pending', async () => {
    const emu = await devin()
    await call(emu, '/v3/self')
    // Longer than the test's own timeout: close() must not wait for any of them.
    emu.fault({ times: 1 }, { delayMs: 10 * 60_000 })
    emu.fault({ times: 1, after: 1 }, { hang: true })
    emu.fault({ times: 1, after: 2 }, { until: new Promise(() => undefined) })
    const pending = [1, 2, 3].map(() => call(emu, '/v3/self').catch((e: unknown) => e))
    await emu.waitFor(() => emu.requests.length === 4 && emu.holding === 2)
    const waiting = expect(emu.waitFor(() => false, 'never')).rejects.toThrow(
      'emulator closed before never'
    )
    await emu.close()
    for (const p of pending) expect(await p).toBeInstanceOf(Error)
    await waiting
    // Cut off by close(), not given up on by the client.
    expect(emu.requests.slice(1).map((r) => [r.fault, r.answer])).toEqual([
      ['delay', undefined],
      ['hang', undefined],
      ['hold', undefined]
    ])
  })

  it('hang: acts, then holds the answer until the client gives up; recorded as abandoned', async () => {
    const emu = await devin()
    emu.fault({ method: 'POST' }, { hang: true })
    const ac = new AbortController()
    const hung = fetch(`${emu.url}${ORG}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"prompt":"p"}',
      signal: ac.signal
    }).catch((e: unknown) => e)
    await emu.waitFor(() => emu.holding === 1)
    expect(emu.createCount).toBe(1)
    expect(emu.requests[0]?.answer).toBeUndefined()
    // Only the faulted request is held: the next one is answered while it waits.
    await create(emu)
    expect(emu.holding).toBe(1)
    ac.abort()
    expect(await hung).toBeInstanceOf(Error)
    await emu.waitFor(() => emu.holding === 0)
    expect(emu.requests.map((r) => [r.fault, r.answer])).toEqual([
      ['hang', 'abandoned'],
      [undefined, 200]
    ])
    expect(emu.createCount).toBe(2)
  })

  it('hold: acts at once, answers what it computed then, once released', async () => {
    const emu = await devin()
    let release = (): void => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    emu.fault({ method: 'GET', path: `${ORG}/sessions`, times: 2 }, { until: gate })
    const list = async (): Promise<number> => {
      const res = await call(emu, `${ORG}/sessions`)
      return ((await res.json()) as { items: unknown[] }).items.length
    }
    const first = list()
    await emu.received('GET', `${ORG}/sessions`)
    await create(emu)
    const second = list()
    await emu.waitFor(() => emu.holding === 2)
    expect(emu.requestsTo('GET', `${ORG}/sessions`).map((r) => r.answer)).toEqual([
      undefined,
      undefined
    ])
    release()
    // Each list was computed when it arrived: before and after the create.
    expect([await first, await second]).toEqual([0, 1])
    expect(await list()).toBe(1)
    expect(emu.requestsTo('GET', `${ORG}/sessions`).map((r) => [r.fault, r.answer])).toEqual([
      ['hold', 200],
      ['hold', 200],
      [undefined, 200]
    ])
  })
})

const gh = (emu: GitHubEmulator, path: string, init: RequestInit = {}, token = 'ghs_test_token') =>
  fetch(`${emu.url}${path}`, {
    ...init,
    headers: {
      authorization: `token ${token}`,
      'content-type': 'application/json',
      ...(init.headers as object)
    }
  })

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

describe('emulator CLI', () => {
  it('runs under Node 24, prints one JSON line, serves, and exits cleanly on SIGINT', async () => {
    const child = spawn(NODE_BIN, [join(REPO_ROOT, 'test/emulators/cli.ts'), '--owner', 'o'], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', resolve)
    )
    const info = JSON.parse(line) as {
      devin: string
      github: string
      apiKey: string
      orgId: string
    }
    expect(info.apiKey).toBe(KEY)
    const self = await fetch(`${info.devin}/v3/self`, {
      headers: { authorization: `Bearer ${KEY}` }
    })
    expect(await self.json()).toMatchObject({ org_id: info.orgId })
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    expect(await exit).toBe(0)
  })
})

describe('runAction harness', () => {
  const workspace = (): string => mkdtempSync(join(tmpdir(), 'ws-'))
  const actionYml = (dir: string): string => {
    const file = join(dir, 'action.yml')
    writeFileSync(
      file,
      [
        'name: fake',
        'inputs:',
        '  api-key: { required: true }',
        "  wait: { default: 'false' }",
        '  github-token: { default: "${{ github.token }}" }',
        'runs: { using: node24, main: index.js }'
      ].join('\n')
    )
    return file
  }
  const entry = (dir: string, source: string): string => {
    const file = join(dir, 'entry.mjs')
    writeFileSync(file, source)
    return file
  }
  const payload = {
    pull_request: { number: 12, head: { ref: 'feat', sha: 'c'.repeat(40) }, base: { ref: 'main' } },
    sender: { login: 'alice' }
  }

  it('runs an entry with runner env, input defaults, and parses outputs, state and summary', async () => {
    const dir = workspace()
    const script = entry(
      dir,
      `import { appendFileSync } from 'node:fs'
const e = process.env
appendFileSync(e.GITHUB_OUTPUT, 'plain=' + e['INPUT_API-KEY'] + '\\n')
appendFileSync(e.GITHUB_OUTPUT, 'multi<<ghadelimiter_1\\nline1\\nline2\\nghadelimiter_1\\n')
appendFileSync(e.GITHUB_OUTPUT, 'env=' + [e.GITHUB_REF, e.GITHUB_HEAD_REF, e.GITHUB_ACTOR, e.INPUT_WAIT, e['INPUT_GITHUB-TOKEN']].join('|') + '\\n')
appendFileSync(e.GITHUB_STATE, 'session<<EOF\\ndevin-1\\nEOF\\n')
appendFileSync(e.GITHUB_STEP_SUMMARY, '## Summary\\n')
console.log('::notice title=Skipped::fork%0Arun')
console.log(process.version + ' ' + (e.SECRET_FROM_PARENT ?? 'clean'))`
    )
    process.env.SECRET_FROM_PARENT = 'leak'
    const result = await runAction({
      inputs: { 'api-key': 'cog_x' },
      eventName: 'pull_request',
      payload,
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      entry: script,
      actionYml: actionYml(dir),
      githubToken: 'ghs_abc'
    })
    delete process.env.SECRET_FROM_PARENT
    expect(result.code).toBe(0)
    expect(result.outputs).toEqual({
      plain: 'cog_x',
      multi: 'line1\nline2',
      env: 'refs/pull/12/merge|feat|alice|false|ghs_abc'
    })
    expect(result.state).toEqual({ session: 'devin-1' })
    expect(result.summary).toBe('## Summary\n')
    expect(result.stdout).toMatch(/^v24\.\S+ clean/m)
    expect(result.commands).toEqual([
      { command: 'notice', props: { title: 'Skipped' }, message: 'fork\nrun' }
    ])

    const post = await runPost(result, {
      inputs: {},
      eventName: 'pull_request',
      payload,
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      postEntry: entry(dir, "console.log('state=' + process.env.STATE_session)"),
      actionYml: actionYml(dir)
    })
    expect(post.stdout.trim()).toBe('state=devin-1')
  })

  it('kills a hanging action after the timeout and rejects with its output', async () => {
    const dir = workspace()
    const run = runAction({
      inputs: {},
      eventName: 'push',
      payload: { ref: 'refs/heads/main', after: 'd'.repeat(40) },
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      entry: entry(dir, "console.log('polling…'); setInterval(() => {}, 1000)"),
      actionYml: actionYml(dir),
      timeoutMs: 1500
    })
    await expect(run).rejects.toThrow(/within 1500 ms[\s\S]*polling…/)
  })

  it('hands out the child for signal tests', async () => {
    const dir = workspace()
    const { child, done } = startAction({
      inputs: {},
      eventName: 'workflow_dispatch',
      payload: {},
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      entry: entry(
        dir,
        `import { appendFileSync } from 'node:fs'
process.on('SIGINT', () => { appendFileSync(process.env.GITHUB_OUTPUT, 'result=cancelled\\n'); process.exit(3) })
console.log('ready ' + process.env.GITHUB_REF)
setInterval(() => {}, 1000)`
      ),
      actionYml: actionYml(dir)
    })
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(3)
    expect(result.outputs.result).toBe('cancelled')
    expect(result.stdout).toContain('ready refs/heads/main')
  })

  it('rejects file commands with an unterminated heredoc', () => {
    expect(() => parseFileCommands('a<<X\nvalue\n')).toThrow(/delimiter/)
    expect(parseFileCommands('a=1=2\r\nb<<X\r\n\r\nX\r\n')).toEqual({ a: '1=2', b: '' })
  })
})
