import { describe, expect, it } from 'vitest'
import { ORG, KEY, call, create, devin, getJson, post } from './helpers.ts'

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
    // What the real API refuses is also what no client should send: each one is recorded.
    expect(emu.takeViolations().flatMap((v) => v.problems)).toEqual([
      "body has undocumented field 'extra_field'",
      "body must have required property 'prompt'",
      'body/prompt must be string, not 5'
    ])
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

  it('seeds a thousand sessions with their tags, states and messages; lists them exactly by tag', async () => {
    const emu = await devin()
    const ids = emu.seedSessions(
      Array.from({ length: 1000 }, (_, i) => ({
        tags: i % 2 === 0 ? ['gh-live:o/r', `n${i}`] : ['gh-live:o/r-other'],
        state:
          i % 10 === 0
            ? {
                status: 'exit',
                messages: [{ message: `bye ${i}` }, { message: 'ok', source: 'user' }]
              }
            : {}
      }))
    )
    expect(ids).toHaveLength(1000)
    expect(emu.requests).toEqual([])
    expect(
      emu.sessions.get(ids[10] as string)?.messages.map((m) => `${m.source}:${m.message}`)
    ).toEqual(['user:earlier', 'devin:bye 10', 'user:ok'])
    type Page = {
      items: Array<{ session_id: string; tags: string[]; status: string }>
      end_cursor: string | null
      has_next_page: boolean
      total: number
    }
    // A prefix of another repository's tag is not that tag.
    const seen: Page['items'] = []
    let after: string | null = null
    do {
      const q: string = `tags=gh-live:o/r&first=200${after ? `&after=${after}` : ''}`
      const page = await getJson<Page>(emu, `${ORG}/sessions?${q}`)
      expect(page.total).toBe(500)
      seen.push(...page.items)
      after = page.has_next_page ? page.end_cursor : null
    } while (after)
    expect(seen).toHaveLength(500)
    expect(seen.every((s) => s.tags.includes('gh-live:o/r'))).toBe(true)
    expect(seen.filter((s) => s.status === 'exit')).toHaveLength(100)
    expect(seen[0]?.session_id).toBe(ids[998])
    expect(emu.requestCounts()).toEqual({ 'GET /v3/organizations/:org/sessions': 3 })
  })

  it('replaces tags with PUT as documented (at most 50) and counts requests by route', async () => {
    const emu = await devin()
    const [id] = emu.seedSessions([{ tags: ['a', 'gh-live:o/r'] }])
    const path = `${ORG}/sessions/${id}/tags`
    const put = (tags: unknown) =>
      call(emu, path, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tags })
      })
    expect(await (await put(['a', 'gh-shown:exit/-/0', 'a'])).json()).toEqual({
      tags: ['a', 'gh-shown:exit/-/0']
    })
    const tooMany = await put(Array.from({ length: 51 }, (_, i) => `t${i}`))
    expect(tooMany.status).toBe(422)
    expect(await tooMany.json()).toMatchObject({
      detail: [{ loc: ['body', 'tags'], type: 'too_long' }]
    })
    expect((await put('x')).status).toBe(422)
    expect(emu.sessions.get(id as string)?.state.tags).toEqual(['a', 'gh-shown:exit/-/0'])
    await getJson(emu, `${ORG}/sessions/${id}/messages?first=200`)
    expect(emu.requestCounts()).toEqual({
      'PUT /v3/organizations/:org/sessions/:id/tags': 3,
      'GET /v3/organizations/:org/sessions/:id/messages': 1
    })
    expect(emu.takeViolations().map((v) => v.problems)).toEqual([
      ['body/tags must NOT have more than 50 items'],
      ['body/tags must be array, not "x"']
    ])
  })

  it('needs the devin- prefix in paths and can answer ids without it', async () => {
    const emu = await devin({ idsWithoutPrefix: true })
    const id = await create(emu)
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect((await call(emu, `${ORG}/sessions/${id}`)).status).toBe(404)
    expect(emu.takeViolations().map((v) => v.problems)).toEqual([
      [`path/devin_id must match pattern "^devin-.", not "${id}"`]
    ])
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
    expect(emu.takeViolations().map((v) => v.problems)).toEqual([
      ['query/first must be <= 200'],
      ['query/first must be >= 1']
    ])
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
