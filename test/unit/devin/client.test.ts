import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DevinApiError,
  type DevinClientOptions,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError,
  normalizeSessionId
} from '../../../src/devin/client.ts'
import { ERROR_HINTS } from '../../../src/devin/errors.ts'
import { createNetwork, type Network } from '../../../src/net/dispatcher.ts'
import { rejection, testDevinClient } from '../../helpers/devin-client.ts'
import { forDevin } from '../../helpers/gated.ts'
import { closedPort, DEVIN_HOST, startTestProxy, type TestProxy } from '../../helpers/proxy.ts'
import { proxyEnv } from '../../helpers/proxy-env.ts'

const KEY = 'cog_TestKey_9f8e7d6c5b4a3210'
const ORG = 'org-x'

interface Recorded {
  method: string
  url: string
  path: string
  query: URLSearchParams
  headers: http.IncomingHttpHeaders
  body: string
}

type Handler = (r: Recorded, res: http.ServerResponse, req: http.IncomingMessage) => void

interface TestServer {
  url: string
  requests: Recorded[]
}

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  // FIFO: servers drop their connections before clients wait for in-flight requests.
  while (cleanups.length) await cleanups.shift()?.()
})

async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      const r: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      requests.push(r)
      handler(r, res, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests }
}

function makeClient(url: string, extra: Partial<DevinClientOptions> = {}) {
  const made = testDevinClient(url, KEY, { over: extra })
  cleanups.push(() => made.client.close())
  return made
}

function json(res: http.ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function sessionJson(id: string, tags: string[] = [], extra: Record<string, unknown> = {}) {
  return {
    session_id: id,
    url: `https://app.devin.ai/sessions/${id}`,
    status: 'new',
    tags,
    ...extra
  }
}

/** A tiny stateful Devin: create, list (tag filter + cursor pages), get. */
type CreateMode = 'ok' | 'drop-before' | 'drop-after' | 'malformed-after' | '503-after' | '429'
function fakeDevin(modes: CreateMode[], pageSize = 100) {
  const sessions: ReturnType<typeof sessionJson>[] = []
  const handler: Handler = (r, res, req) => {
    const base = `/v3/organizations/${ORG}/sessions`
    if (r.method === 'POST' && r.path === base) {
      const mode = modes.shift() ?? 'ok'
      if (mode === 'drop-before') return void req.socket.destroy()
      if (mode === '429') return json(res, 429, { detail: 'slow down' }, { 'retry-after': '7' })
      const body = JSON.parse(r.body) as { tags: string[] }
      const s = sessionJson(`s${sessions.length + 1}`, body.tags, { created_at: sessions.length })
      sessions.push(s)
      if (mode === 'drop-after') return void req.socket.destroy()
      if (mode === 'malformed-after') return void res.end('{"session_id": "s1", ')
      if (mode === '503-after') return json(res, 503, { detail: 'upstream hiccup' })
      return json(res, 200, s)
    }
    if (r.method === 'GET' && r.path === base) {
      const wanted = r.query.getAll('tags')
      const all = sessions.filter((s) => wanted.every((t) => s.tags.includes(t)))
      const start = Number(r.query.get('after') ?? 0)
      const items = all.slice(start, start + pageSize)
      const next = start + pageSize < all.length
      return json(res, 200, {
        items,
        has_next_page: next,
        end_cursor: next ? String(start + pageSize) : null
      })
    }
    json(res, 404, { detail: 'Not Found' })
  }
  return { sessions, handler }
}

describe('request shapes and parsing', () => {
  it('sends bearer auth, JSON headers and normalized, encoded paths', async () => {
    const srv = await startServer((_r, res) =>
      json(res, 200, {
        session_id: 'abc',
        url: 'https://app.devin.ai/sessions/abc',
        status: 'hibernating',
        status_detail: null,
        tags: ['a'],
        pull_requests: [
          { url: 'https://github.com/o/r/pull/1' },
          { pr_url: 'https://x/2', pr_state: 'open' }
        ],
        brand_new_field: { nested: true }
      })
    )
    const { client } = makeClient(`${srv.url}/`)
    const s = await client.getSession('org x/y', 'abc')
    const r = srv.requests[0]!
    expect(r.method).toBe('GET')
    expect(r.url).toBe('/v3/organizations/org%20x%2Fy/sessions/devin-abc')
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(r.headers.accept).toBe('application/json')
    expect(r.headers['user-agent']).toBe('devin-handoff-action')
    expect(s.sessionId).toBe('devin-abc')
    expect(s.status).toBe('hibernating')
    expect(s.pull_requests.map((p) => p.pr_url)).toEqual([
      'https://github.com/o/r/pull/1',
      'https://x/2'
    ])
    expect(s.acus_consumed).toBeNull()
    expect(s.structured_output).toBeNull()
    expect(s.raw.brand_new_field).toEqual({ nested: true })

    await client.getSession(ORG, 'devin-abc')
    expect(srv.requests[1]!.path).toBe(`/v3/organizations/${ORG}/sessions/devin-abc`)
  })

  it('posts JSON for create (adding the dedupe tag), messages and terminate', async () => {
    const srv = await startServer((r, res) => {
      if (r.method === 'DELETE') return void res.writeHead(204).end()
      json(res, 200, sessionJson('devin-s1', ['t']))
    })
    const { client } = makeClient(srv.url)
    const out = await client.createSession(ORG, forDevin({ prompt: 'do it', tags: ['t'] }), {
      dedupeTag: 'run-1'
    })
    expect(out).toMatchObject({ recovered: false, session: { sessionId: 'devin-s1' } })
    const create = srv.requests[0]!
    expect([create.method, create.path]).toEqual(['POST', `/v3/organizations/${ORG}/sessions`])
    expect(create.headers['content-type']).toBe('application/json')
    expect(JSON.parse(create.body)).toEqual({ prompt: 'do it', tags: ['t', 'run-1'] })

    const after = await client.sendMessage(ORG, 's1', forDevin('more'))
    expect(after?.sessionId).toBe('devin-s1')
    expect(srv.requests[1]!.path).toBe(`/v3/organizations/${ORG}/sessions/devin-s1/messages`)
    expect(JSON.parse(srv.requests[1]!.body)).toEqual({ message: 'more' })

    expect(await client.terminateSession(ORG, 'devin-s1')).toBeUndefined()
    expect(srv.requests[2]!.method).toBe('DELETE')
    expect(srv.requests[2]!.url).toBe(`/v3/organizations/${ORG}/sessions/devin-s1`)
  })

  it('lists messages with cursor parameters', async () => {
    const srv = await startServer((_r, res) =>
      json(res, 200, {
        items: [{ event_id: 'e1', message: 'hi', source: 'devin', created_at: 1 }, 'junk'],
        has_next_page: true,
        end_cursor: 'c2'
      })
    )
    const { client } = makeClient(srv.url)
    const page = await client.listMessages(ORG, 'abc', { after: 'c1', first: 50 })
    expect(srv.requests[0]!.path).toBe(`/v3/organizations/${ORG}/sessions/devin-abc/messages`)
    expect(srv.requests[0]!.query.get('after')).toBe('c1')
    expect(srv.requests[0]!.query.get('first')).toBe('50')
    expect(page.items.map((m) => m.message)).toEqual(['hi'])
    expect(page).toMatchObject({ endCursor: 'c2', hasNextPage: true })
  })

  it('reads attachments as a bare array or wrapped in items', async () => {
    let wrapped = false
    const srv = await startServer((_r, res) => {
      const list = [{ attachment_id: 'a1', name: 'r.md', source: 'devin', url: 'https://f/1' }]
      json(res, 200, wrapped ? { items: list } : list)
    })
    const { client } = makeClient(srv.url)
    const bare = await client.listAttachments(ORG, 'abc')
    wrapped = true
    const boxed = await client.listAttachments(ORG, 'abc')
    expect(srv.requests[0]!.path).toBe(`/v3/organizations/${ORG}/sessions/devin-abc/attachments`)
    for (const list of [bare, boxed])
      expect(list.map((a) => [a.name, a.url])).toEqual([['r.md', 'https://f/1']])
  })

  it('rejects a malformed JSON success body with a clear error', async () => {
    const srv = await startServer((_r, res) => res.writeHead(200).end('<html>oops</html>'))
    const { client } = makeClient(srv.url)
    const err = await rejection(client.getSession(ORG, 'abc'))
    expect(err).toBeInstanceOf(DevinMalformedResponseError)
    expect(err.message).toBe(
      `Devin API GET ${srv.url}/v3/organizations/${ORG}/sessions/devin-abc returned an ` +
        'unusable response (200): response is not valid JSON: oops'
    )
  })

  it('normalizes ids both ways', () => {
    expect(normalizeSessionId('abc')).toBe('devin-abc')
    expect(normalizeSessionId('devin-abc')).toBe('devin-abc')
  })
})

describe('organization discovery', () => {
  it('returns a given org id without calling the API, else asks /v3/self', async () => {
    let org: string | null = 'org-found'
    const srv = await startServer((_r, res) =>
      json(res, 200, { principal_type: 'service_user', service_user_id: 'su', org_id: org })
    )
    const { client } = makeClient(srv.url)
    expect(await client.resolveOrgId(' org-given ')).toBe('org-given')
    expect(srv.requests).toHaveLength(0)
    expect(await client.resolveOrgId('')).toBe('org-found')
    expect(srv.requests[0]!.path).toBe('/v3/self')
    org = null
    const err = await rejection(client.resolveOrgId(''))
    expect(err).toBeInstanceOf(DevinConfigError)
    expect(err.message).toContain('`org-id`')
  })
})

describe('error messages', () => {
  const cases: { name: string; status: number; type: string; body: string; expected: RegExp }[] = [
    {
      name: 'FastAPI validation list',
      status: 422,
      type: 'application/json',
      body: JSON.stringify({
        detail: [
          { loc: ['body', 'prompt'], msg: 'field required', type: 'missing' },
          { loc: ['body', 'tags', 0], msg: 'str type expected' }
        ]
      }),
      expected:
        /^Devin API POST http:\/\/127\.0\.0\.1:\d+\/v3\/organizations\/org-x\/sessions\/devin-a\/messages failed: 422 Unprocessable Entity: body\.prompt: field required; body\.tags\.0: str type expected$/
    },
    {
      name: 'problem+json detail',
      status: 400,
      type: 'application/problem+json',
      body: JSON.stringify({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: 'Unknown platform "x"'
      }),
      expected: /failed: 400 Bad Request: Unknown platform "x"$/
    },
    {
      name: 'problem+json title only',
      status: 409,
      type: 'application/problem+json',
      body: JSON.stringify({ title: 'Session is archived', status: 409 }),
      expected: /failed: 409 Conflict: Session is archived$/
    },
    {
      name: 'HTML error page',
      status: 502,
      type: 'text/html',
      body: '<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad\nGateway</h1><p>nginx</p></body></html>',
      expected: /failed: 502 Bad Gateway: 502 Bad Gateway — Bad Gateway nginx$/
    },
    {
      name: 'plain text',
      status: 500,
      type: 'text/plain',
      body: 'boom\n  at line 3',
      expected: /failed: 500 Internal Server Error: boom at line 3$/
    },
    {
      name: 'empty body',
      status: 500,
      type: 'text/plain',
      body: '',
      expected: /failed: 500 Internal Server Error$/
    },
    {
      name: '401',
      status: 401,
      type: 'application/json',
      body: '{"detail":"Invalid token"}',
      expected: /401 Unauthorized: Invalid token\. .*cog_.*apk_/
    },
    {
      name: '403',
      status: 403,
      type: 'application/json',
      body: '{"detail":"Forbidden"}',
      expected: /403 Forbidden: Forbidden\. .*ManageOrgSessions/
    },
    {
      name: '404',
      status: 404,
      type: 'application/json',
      body: '{"detail":"Session not found"}',
      expected: /404 Not Found: Session not found\. Check org-id/
    }
  ]

  for (const c of cases) {
    it(`formats ${c.name}`, async () => {
      const srv = await startServer((_r, res) => {
        res.writeHead(c.status, { 'content-type': c.type })
        res.end(c.body)
      })
      const { client } = makeClient(srv.url)
      const err = await rejection(client.sendMessage(ORG, 'a', forDevin('hello')))
      expect(err).toBeInstanceOf(DevinApiError)
      expect(err.message).toMatch(c.expected)
      expect(err.message).not.toContain('\n')
      expect(err).toMatchObject({
        status: c.status,
        method: 'POST',
        path: `${srv.url}/v3/organizations/${ORG}/sessions/devin-a/messages`
      })
      expect(srv.requests).toHaveLength(1)
    })
  }

  it('shows the full URL asked for, so a wrong api-url prefix is there to see', async () => {
    const srv = await startServer((_r, res) => json(res, 404, { detail: 'Not Found' }))
    // api-url ending in /v3: every path doubles it.
    const { client } = makeClient(`${srv.url}/v3`)
    const err = await rejection(
      client.createSession(ORG, forDevin({ prompt: 'p' }), { dedupeTag: 't' })
    )
    expect(err.message).toBe(
      `Devin API POST ${srv.url}/v3/v3/organizations/${ORG}/sessions failed: 404 Not Found: ` +
        `Not Found. ${ERROR_HINTS[404]}`
    )
    expect(srv.requests[0]!.path).toBe(`/v3/v3/organizations/${ORG}/sessions`)
  })

  it('shows neither a user and password in api-url nor the query string', async () => {
    const srv = await startServer((r, res) =>
      r.path.endsWith('/attachments')
        ? json(res, 200, { not: 'a list' })
        : json(res, 400, { detail: 'bad cursor' })
    )
    const port = new URL(srv.url).port
    const { client } = makeClient(`http://someone:hunter2@127.0.0.1:${port}/prefix/`)
    const err = await rejection(client.listSessions(ORG, { tags: ['t'], after: 'CURSOR-1' }))
    expect(err.message).toBe(
      `Devin API GET http://127.0.0.1:${port}/prefix/v3/organizations/${ORG}/sessions failed: ` +
        '400 Bad Request: bad cursor'
    )
    expect(srv.requests[0]!.url).toContain('after=CURSOR-1')
    const malformed = await rejection(client.listAttachments(ORG, 'a'))
    expect(malformed.message).toBe(
      `Devin API GET http://127.0.0.1:${port}/prefix/v3/organizations/${ORG}/sessions/devin-a/` +
        'attachments returned an unusable response (200): expected a list of attachments'
    )
    for (const e of [err, malformed]) {
      expect(e.message).not.toMatch(/hunter2|someone|CURSOR-1|tags=/)
    }
  })

  it('never reveals the API key, even when the server echoes it', async () => {
    const echoes = [
      JSON.stringify({ detail: `Bad credentials: Authorization: Bearer ${KEY}` }),
      JSON.stringify({ title: `key ${encodeURIComponent(KEY)} rejected` }),
      `<html><title>denied</title><pre>headers: authorization=${KEY}</pre></html>`,
      // Long enough that a truncated excerpt would cut the key in half if scrubbed too late.
      `${'x'.repeat(190)} ${KEY} is wrong`
    ]
    let i = 0
    const srv = await startServer((r, res) => {
      res.writeHead(i === 2 ? 503 : 401, {
        'content-type': 'text/plain',
        'www-authenticate': r.headers.authorization ?? ''
      })
      res.end(echoes[i++ % echoes.length])
    })
    const { client, logs } = makeClient(srv.url, { maxAttempts: 1 })
    const errors: Error[] = []
    for (let n = 0; n < echoes.length; n++)
      errors.push(await rejection(client.getSession(ORG, 'a')))
    errors.push(
      await rejection(client.createSession(ORG, forDevin({ prompt: 'p' }), { dedupeTag: 'tag-1' }))
    )
    for (const err of errors) {
      const dump = [
        err.message,
        String(err.stack),
        JSON.stringify(err),
        inspect(err, { depth: 5, showHidden: true })
      ]
      for (const text of dump) expect(text).not.toContain(KEY.slice(4))
      expect(err.message).toMatch(/failed: (401|503)/)
    }
    expect(logs.join('\n')).not.toContain(KEY.slice(4))
    expect(inspect(client, { showHidden: true })).not.toContain(KEY.slice(4))
  })
})

describe('retries', () => {
  it('honours Retry-After on a rate-limited POST and does not look the session up', async () => {
    const dev = fakeDevin(['429', 'ok'])
    const srv = await startServer(dev.handler)
    const { client, waits } = makeClient(srv.url)
    const out = await client.createSession(ORG, forDevin({ prompt: 'p', tags: ['k'] }), {
      dedupeTag: 'k'
    })
    expect(out.recovered).toBe(false)
    expect(waits).toEqual([7000])
    expect(srv.requests.map((r) => r.method)).toEqual(['POST', 'POST'])
    expect(dev.sessions).toHaveLength(1)
  })

  it('uses capped backoff for 429 without a usable Retry-After and gives up after maxAttempts', async () => {
    let n = 0
    const srv = await startServer((_r, res) => {
      n++
      json(res, 429, { detail: 'rate limited' }, n === 1 ? { 'retry-after': '3600' } : {})
    })
    const { client, waits } = makeClient(srv.url, { maxAttempts: 3 })
    const err = await rejection(client.sendMessage(ORG, 'a', forDevin('x')))
    expect(err.message).toContain('429 Too Many Requests: rate limited')
    expect(waits).toEqual([60_000, 1000])
    expect(srv.requests).toHaveLength(3)
  })

  it('retries 503 on GET but not on POST', async () => {
    let n = 0
    const srv = await startServer((r, res) => {
      if (r.method === 'GET' && ++n > 2) return json(res, 200, sessionJson('abc'))
      json(res, 503, { detail: 'try later' })
    })
    const { client, waits } = makeClient(srv.url)
    expect((await client.getSession(ORG, 'abc')).sessionId).toBe('devin-abc')
    expect(waits).toEqual([500, 1000])
    const err = await rejection(client.sendMessage(ORG, 'abc', forDevin('hi')))
    expect(err).toMatchObject({ status: 503 })
    expect(srv.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect(srv.requests).toHaveLength(4)
  })

  it('times out a server that never answers, and one that stalls mid-body', async () => {
    const srv = await startServer((r, res) => {
      if (r.path.endsWith('/stall-body')) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
        res.write('{"session_id":')
      }
    })
    // Every attempt ends at the timeout by design; it only has to outlast each request's arrival
    // (counted below) on a busy machine. A timeout that never fired would hang the test.
    const { client } = makeClient(srv.url, { requestTimeoutMs: 1000, maxAttempts: 2 })
    const err = await rejection(client.getSession(ORG, 'slow'))
    expect(err).toBeInstanceOf(DevinNetworkError)
    expect(err).toMatchObject({ timedOut: true })
    expect(err.message).toBe(
      `Devin API GET ${srv.url}/v3/organizations/${ORG}/sessions/devin-slow failed: ` +
        'timed out after 1000 ms'
    )
    const err2 = await rejection(client.getSession(ORG, 'stall-body'))
    expect(err2).toMatchObject({ timedOut: true })
    expect(srv.requests).toHaveLength(4)
  })
})

describe('createSession never duplicates', () => {
  it('recovers the session when the connection drops after the server created it', async () => {
    const dev = fakeDevin(['drop-after'])
    const srv = await startServer(dev.handler)
    const { client, logs } = makeClient(srv.url)
    const out = await client.createSession(ORG, forDevin({ prompt: 'p', tags: ['run-7'] }), {
      dedupeTag: 'run-7'
    })
    expect(out).toMatchObject({ recovered: true, session: { sessionId: 'devin-s1' } })
    expect(dev.sessions).toHaveLength(1)
    expect(srv.requests.map((r) => r.method)).toEqual(['POST', 'GET'])
    expect(srv.requests[1]!.query.getAll('tags')).toEqual(['run-7'])
    expect(logs.some((l) => l.startsWith('warning:') && l.includes('run-7'))).toBe(true)
  })

  it('resends once when the connection dropped before the server acted', async () => {
    const dev = fakeDevin(['drop-before', 'ok'])
    const srv = await startServer(dev.handler)
    const { client } = makeClient(srv.url)
    const out = await client.createSession(ORG, forDevin({ prompt: 'p', tags: ['run-8'] }), {
      dedupeTag: 'run-8'
    })
    expect(out.recovered).toBe(false)
    expect(dev.sessions).toHaveLength(1)
    expect(srv.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'POST'])
  })

  it('does not resend once the workflow is being cancelled', async () => {
    const dev = fakeDevin(['drop-before', 'ok'])
    const srv = await startServer(dev.handler)
    const { client } = makeClient(srv.url)
    const ac = new AbortController()
    ac.abort()
    const err = await rejection(
      client.createSession(ORG, forDevin({ prompt: 'p', tags: ['run-9'] }), {
        dedupeTag: 'run-9',
        signal: ac.signal
      })
    )
    expect(err).toBeInstanceOf(Error)
    expect(dev.sessions).toHaveLength(0)
    expect(srv.requests.map((r) => r.method)).toEqual(['POST', 'GET'])
  })

  for (const mode of ['503-after', 'malformed-after'] as const) {
    it(`looks up instead of resending after ${mode}`, async () => {
      const dev = fakeDevin([mode])
      const srv = await startServer(dev.handler)
      const { client } = makeClient(srv.url)
      const out = await client.createSession(ORG, forDevin({ prompt: 'p', tags: ['r'] }), {
        dedupeTag: 'r'
      })
      expect(out.recovered).toBe(true)
      expect(dev.sessions).toHaveLength(1)
      expect(srv.requests.map((r) => r.method)).toEqual(['POST', 'GET'])
    })
  }

  it('recovers after a timeout while the server was slow to answer', async () => {
    const dev = fakeDevin([])
    const srv = await startServer((r, res, req) => {
      if (r.method === 'POST') {
        dev.sessions.push(sessionJson('slow1', JSON.parse(r.body).tags as string[]))
        return // never answer
      }
      dev.handler(r, res, req)
    })
    // Only the create may time out: the lookup after it is answered at once and must not come
    // near the timeout, even on a busy machine.
    const { client } = makeClient(srv.url, { requestTimeoutMs: 2000 })
    const out = await client.createSession(ORG, forDevin({ prompt: 'p', tags: ['t9'] }), {
      dedupeTag: 't9'
    })
    expect(out).toMatchObject({ recovered: true, session: { sessionId: 'devin-slow1' } })
    expect(srv.requests.map((r) => r.method)).toEqual(['POST', 'GET'])
  })

  it('treats validation errors as final and gives up (without resending) when the lookup fails', async () => {
    const srv = await startServer((r, res, req) => {
      if (r.method === 'POST' && JSON.parse(r.body).prompt === '') {
        return json(res, 422, { detail: [{ loc: ['body', 'prompt'], msg: 'too short' }] })
      }
      if (r.method === 'POST') return void req.socket.destroy()
      json(res, 403, { detail: 'no ViewOrgSessions' })
    })
    const { client } = makeClient(srv.url)
    const bad = await rejection(
      client.createSession(ORG, forDevin({ prompt: '' }), { dedupeTag: 'a' })
    )
    expect(bad.message).toContain('422 Unprocessable Entity: body.prompt: too short')
    expect(srv.requests).toHaveLength(1)
    const err = await rejection(
      client.createSession(ORG, forDevin({ prompt: 'p' }), { dedupeTag: 'b-tag' })
    )
    expect(err.message).toMatch(/Could not check .*403.*tagged b-tag/)
    expect(srv.requests.filter((r) => r.method === 'POST')).toHaveLength(2)
  })
})

describe('findSessionsByTags', () => {
  it('pages through every result and re-checks tags client side', async () => {
    const all = [
      sessionJson('a1', ['x', 'y']),
      sessionJson('a2', ['x']),
      sessionJson('a3', ['y', 'x', 'z']),
      sessionJson('a4', []),
      sessionJson('a5', ['x', 'y'])
    ]
    // Ignores the tag filter entirely, as an unknown server might.
    const srv = await startServer((r, res) => {
      const start = Number(r.query.get('after') ?? 0)
      const end = start + 2
      json(res, 200, {
        items: all.slice(start, end),
        has_next_page: end < all.length,
        end_cursor: end < all.length ? String(end) : null
      })
    })
    const { client } = makeClient(srv.url)
    const found = await client.findSessionsByTags(ORG, ['x', 'y'])
    expect(found.map((s) => s.sessionId)).toEqual(['devin-a1', 'devin-a3', 'devin-a5'])
    expect(srv.requests.map((r) => r.query.get('after'))).toEqual([null, '2', '4'])
    expect(srv.requests[0]!.query.getAll('tags')).toEqual(['x', 'y'])
  })
})

describe('lastDevinMessage', () => {
  const msg = (i: number, source: string, message = `m${i}`) => ({
    event_id: `e${i}`,
    message,
    source,
    created_at: i
  })

  /** Messages oldest first in pages of `first`, offsets as cursors, like the API. */
  function messages(all: object[], cursor?: (next: number) => string) {
    return startServer((r, res) => {
      const first = Number(r.query.get('first') ?? 100)
      const start = Number(r.query.get('after') ?? 0)
      const next = start + first < all.length
      json(res, 200, {
        items: all.slice(start, start + first),
        has_next_page: next,
        end_cursor: next ? (cursor?.(start + first) ?? String(start + first)) : null
      })
    })
  }

  it('reads pages of 200 from the start and returns the last message not from the user', async () => {
    const all = Array.from({ length: 450 }, (_, i) => msg(i, i % 3 === 0 ? 'devin' : 'user'))
    all.push(msg(450, 'devin', 'closing words'), msg(451, 'user', 'thanks'), msg(452, 'devin', ''))
    const srv = await messages(all)
    const { client } = makeClient(srv.url)
    expect(await client.lastDevinMessage(ORG, 'abc')).toBe('closing words')
    expect(srv.requests.map((r) => [r.query.get('first'), r.query.get('after')])).toEqual([
      ['200', null],
      ['200', '200'],
      ['200', '400']
    ])
    expect(srv.requests[0]!.path).toBe(`/v3/organizations/${ORG}/sessions/devin-abc/messages`)
  })

  it('is undefined when Devin said nothing, and stops after 5 pages of a longer session', async () => {
    const quiet = await messages([msg(0, 'user', 'do it')])
    expect(await makeClient(quiet.url).client.lastDevinMessage(ORG, 'abc')).toBeUndefined()

    const all = Array.from({ length: 1500 }, (_, i) => msg(i, 'devin'))
    const long = await messages(all)
    const { client, logs } = makeClient(long.url)
    expect(await client.lastDevinMessage(ORG, 'abc')).toBe('m999')
    expect(long.requests).toHaveLength(5)
    expect(logs.some((l) => l.startsWith('debug: Read the first 5 pages'))).toBe(true)
  })

  it('stops at a cursor that repeats instead of looping', async () => {
    const all = Array.from({ length: 500 }, (_, i) => msg(i, 'devin'))
    const srv = await messages(all, () => 'same')
    const { client } = makeClient(srv.url)
    expect(await client.lastDevinMessage(ORG, 'abc')).toBe('m199')
    expect(srv.requests.map((r) => r.query.get('after'))).toEqual([null, 'same'])
  })
})

describe('replaceTags', () => {
  it('PUTs the whole list and returns what Devin kept', async () => {
    const srv = await startServer((r, res) => json(res, 200, JSON.parse(r.body)))
    const { client } = makeClient(srv.url)
    const tags = await client.replaceTags(ORG, 'abc', forDevin(['a', 'gh-live:o/r']))
    expect(tags).toEqual(['a', 'gh-live:o/r'])
    const put = srv.requests[0]!
    expect([put.method, put.path]).toEqual([
      'PUT',
      `/v3/organizations/${ORG}/sessions/devin-abc/tags`
    ])
    expect(put.headers['content-type']).toBe('application/json')
    expect(JSON.parse(put.body)).toEqual({ tags: ['a', 'gh-live:o/r'] })
  })

  it('is retried on a 5xx like a read, since setting the same list twice changes nothing', async () => {
    let n = 0
    const srv = await startServer((r, res) =>
      ++n < 3 ? json(res, 502, { detail: 'bad gateway' }) : json(res, 200, JSON.parse(r.body))
    )
    const { client, waits } = makeClient(srv.url)
    expect(await client.replaceTags(ORG, 'abc', forDevin(['x']))).toEqual(['x'])
    expect(srv.requests).toHaveLength(3)
    expect(waits).toHaveLength(2)
  })

  it('refuses more than 50 tags before sending, and says why a 422 failed', async () => {
    const srv = await startServer((_r, res) =>
      json(res, 422, { detail: [{ loc: ['body', 'tags'], msg: 'bad tag', type: 'x' }] })
    )
    const { client } = makeClient(srv.url)
    const many = forDevin(Array.from({ length: 51 }, (_, i) => `t${i}`))
    const tooMany = await rejection(client.replaceTags(ORG, 'abc', many))
    expect(tooMany).toBeInstanceOf(DevinConfigError)
    expect(tooMany.message).toMatch(/at most 50 tags.*would have 51/)
    expect(srv.requests).toHaveLength(0)
    const refused = await rejection(client.replaceTags(ORG, 'abc', forDevin(['x'])))
    expect(refused).toBeInstanceOf(DevinApiError)
    expect(refused.message).toContain('422')
    expect(refused.message).toContain('body.tags: bad tag')
  })
})

describe('download', () => {
  it('follows a 307 to another origin without sending the bearer header there', async () => {
    const payload = Buffer.from('report contents \u00e9', 'utf8')
    const bucket = await startServer((_r, res) => res.writeHead(200).end(payload))
    const api = await startServer((r, res) => {
      res.writeHead(307, { location: `${bucket.url}/obj/report.md?X-Amz-Signature=secret` }).end()
    })
    const { client } = makeClient(api.url)
    const got = await client.download('/v3/organizations/org-x/attachments/u1/report.md', 1024)
    expect(got.equals(payload)).toBe(true)
    expect(api.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(bucket.requests[0]!.url).toBe('/obj/report.md?X-Amz-Signature=secret')
    expect(bucket.requests[0]!.headers.authorization).toBeUndefined()
  })

  it('names redirects by their full URL, the API’s own included, never their query', async () => {
    const api = await startServer((r, res) => {
      const n = Number(r.path.split('/').pop())
      res.writeHead(302, { location: `/v3/hop/${n + 1}?sig=s3cret` }).end()
    })
    const { client, logs } = makeClient(api.url, { maxAttempts: 1 })
    const err = await rejection(client.download('/v3/hop/0?sig=first', 1024))
    expect(err.message).toBe(
      `Devin API GET ${api.url}/v3/hop/0 returned an unusable response (310): more than 5 redirects`
    )
    expect(logs).toContain(`debug: Download of ${api.url}/v3/hop/0 redirected (302).`)
    expect(`${err.message} ${logs.join(' ')}`).not.toMatch(/sig=|s3cret|first/)
    expect(api.requests).toHaveLength(6)
  })

  it('refuses bodies above maxBytes and hides presigned query strings in errors', async () => {
    const bucket = await startServer((r, res) => {
      if (r.path === '/big') return void res.writeHead(200).end(Buffer.alloc(5000))
      res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>')
    })
    const { client } = makeClient('http://127.0.0.1:1', { maxAttempts: 1 })
    const big = await rejection(client.download(`${bucket.url}/big`, 1000))
    expect(big.message).toContain('exceeds 1000 bytes')
    const denied = await rejection(client.download(`${bucket.url}/obj?X-Amz-Signature=zzz`, 1000))
    expect(denied.message).toContain(`GET ${bucket.url}/obj failed: 403 Forbidden: AccessDenied`)
    expect(denied.message).not.toContain('zzz')
    expect(bucket.requests.every((r) => r.headers.authorization === undefined)).toBe(true)
  })
})

describe('behind a proxy', () => {
  const USER = 'proxy-user'
  const PASSWORD = 'proxy-S3cret!'

  async function through(
    o: Parameters<typeof startTestProxy>[0]
  ): Promise<{ proxy: TestProxy; network: (url: string) => Network }> {
    const proxy = await startTestProxy(o)
    cleanups.push(() => proxy.close())
    return {
      proxy,
      network: (url) => {
        proxyEnv({ HTTP_PROXY: url })
        const n = createNetwork()
        cleanups.push(() => n.close())
        return n
      }
    }
  }
  /** The server by a name only the test proxy resolves. */
  const named = (srv: TestServer): string => srv.url.replace('127.0.0.1', DEVIN_HOST)

  it('sends every call through the proxy, with its credentials', async () => {
    const srv = await startServer((_r, res) => json(res, 200, { org_id: ORG, principal_type: 'x' }))
    const { proxy, network } = await through({ auth: { user: USER, password: PASSWORD } })
    const { client } = makeClient(named(srv), { network: network(proxy.urlWith(USER, PASSWORD)) })
    expect(await client.resolveOrgId('')).toBe(ORG)
    expect(proxy.forwardedTo(DEVIN_HOST).map((e) => `${e.method} ${e.path}`)).toEqual([
      'GET /v3/self'
    ])
    expect(srv.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`])
  })

  it('refused: names the proxy, not its credentials nor the key, and does not retry', async () => {
    const srv = await startServer((_r, res) => json(res, 200, {}))
    const { proxy, network } = await through({ auth: { user: USER, password: 'other' } })
    const { client, waits } = makeClient(named(srv), {
      network: network(proxy.urlWith(USER, PASSWORD))
    })
    const err = await rejection(
      client.createSession(ORG, forDevin({ prompt: 'p' }), { dedupeTag: 'tag-1' })
    )
    expect(err).toBeInstanceOf(DevinConfigError)
    expect(err.message).toBe(
      `Devin API POST ${named(srv)}/v3/organizations/${ORG}/sessions failed: the proxy ${proxy.url} ` +
        '(HTTP_PROXY) refused its user and password (407 Proxy Authentication Required); ' +
        'check them in HTTP_PROXY'
    )
    const all = `${err.message} ${inspect(err)}`
    for (const secret of [USER, PASSWORD, KEY]) expect(all).not.toContain(secret)
    // Nothing reached Devin, so nothing is looked up or sent again.
    expect(proxy.log.map((e) => `${e.method} ${e.answer}`)).toEqual(['CONNECT 407'])
    expect(waits).toEqual([])
    expect(srv.requests).toEqual([])
  })

  it('down: names the proxy, and reads are retried as after any dropped connection', async () => {
    const down = await closedPort()
    const srv = await startServer((_r, res) => json(res, 200, {}))
    proxyEnv({ HTTP_PROXY: `http://${USER}:${PASSWORD}@127.0.0.1:${down}` })
    const n = createNetwork()
    cleanups.push(() => n.close())
    const { client, waits } = makeClient(named(srv), { network: n, maxAttempts: 2 })
    const err = await rejection(client.getSelf())
    expect(err).toBeInstanceOf(DevinNetworkError)
    expect(err.message).toBe(
      `Devin API GET ${named(srv)}/v3/self failed: could not connect to the proxy ` +
        `http://127.0.0.1:${down} (HTTP_PROXY): ECONNREFUSED`
    )
    expect(err.message).not.toContain(PASSWORD)
    expect(waits).toHaveLength(1)
  })

  it('named by a variable it cannot use: a configuration error, not sent again', async () => {
    const srv = await startServer((_r, res) => json(res, 200, {}))
    const { network } = await through({})
    const { client, waits } = makeClient(named(srv), {
      network: network(`socks5://${USER}:${PASSWORD}@127.0.0.1:1080`)
    })
    const err = await rejection(client.getSelf())
    expect(err).toBeInstanceOf(DevinConfigError)
    expect(err.message).toBe(
      `Devin API GET ${named(srv)}/v3/self failed: HTTP_PROXY names a socks5 proxy; only ` +
        'http:// and https:// proxies are supported'
    )
    expect(err.message).not.toContain(PASSWORD)
    expect(waits).toEqual([])
  })

  /** What makes a create's outcome unknown: it must not be said, nor a lookup made. */
  const unsure = /may or may not|looking for a session|Recovered/

  it('down: a create is sent again (Devin never saw it), then fails for certain, without a lookup', async () => {
    const down = await closedPort()
    const srv = await startServer((_r, res) => json(res, 200, sessionJson('s1')))
    proxyEnv({ HTTP_PROXY: `http://127.0.0.1:${down}` })
    const n = createNetwork()
    cleanups.push(() => n.close())
    const { client, waits, logs } = makeClient(named(srv), { network: n, maxAttempts: 3 })
    const err = await rejection(
      client.createSession(ORG, forDevin({ prompt: 'p' }), { dedupeTag: 'tag-1' })
    )
    const said =
      `Devin API POST ${named(srv)}/v3/organizations/${ORG}/sessions failed: could not connect ` +
      `to the proxy http://127.0.0.1:${down} (HTTP_PROXY): ECONNREFUSED`
    expect(err).toBeInstanceOf(DevinNetworkError)
    expect(err).toMatchObject({ message: said, unsent: true })
    expect(logs).toEqual([
      `warning: ${said}; retrying in 0.5 s (attempt 2/3).`,
      `warning: ${said}; retrying in 1.0 s (attempt 3/3).`
    ])
    expect(waits).toEqual([500, 1000])
    expect(srv.requests).toEqual([])
  })

  it('answering the CONNECT with a 5xx: the same, each try a CONNECT and nothing more', async () => {
    const srv = await startServer((_r, res) => json(res, 200, sessionJson('s1')))
    const { proxy, network } = await through({ refuse: 502 })
    const { client, logs } = makeClient(named(srv), { network: network(proxy.url), maxAttempts: 3 })
    const err = await rejection(
      client.createSession(ORG, forDevin({ prompt: 'p' }), { dedupeTag: 'tag-1' })
    )
    expect(err).toMatchObject({ unsent: true })
    expect(err.message).toBe(
      `Devin API POST ${named(srv)}/v3/organizations/${ORG}/sessions failed: the proxy ` +
        `${proxy.url} (HTTP_PROXY) could not reach ${new URL(named(srv)).host} (502 Bad Gateway)`
    )
    expect(logs.join('\n')).not.toMatch(unsure)
    // Three tries of the create; a lookup would have asked the proxy a fourth time.
    expect(proxy.log.map((e) => `${e.method} ${e.answer}`)).toEqual([
      'CONNECT 502',
      'CONNECT 502',
      'CONNECT 502'
    ])
    expect(srv.requests).toEqual([])
  })

  it('recovering: the create sent again arrives once, and one session is made', async () => {
    const devin = fakeDevin([])
    const srv = await startServer(devin.handler)
    const { proxy, network } = await through({ refuse: 503, refuseFirst: 1 })
    const { client, logs } = makeClient(named(srv), { network: network(proxy.url) })
    const { session, recovered } = await client.createSession(ORG, forDevin({ prompt: 'p' }), {
      dedupeTag: 'tag-1'
    })
    expect({ id: session.sessionId, recovered }).toEqual({ id: 'devin-s1', recovered: false })
    expect(logs.join('\n')).not.toMatch(unsure)
    expect(srv.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v3/organizations/${ORG}/sessions`
    ])
    expect(devin.sessions).toHaveLength(1)
  })

  it('a message that never got past the proxy is sent again too', async () => {
    const srv = await startServer((_r, res) => json(res, 200, sessionJson('a')))
    const { proxy, network } = await through({ refuse: 502, refuseFirst: 1 })
    const { client, waits } = makeClient(named(srv), { network: network(proxy.url) })
    await client.sendMessage(ORG, 'a', forDevin('hello'))
    expect(waits).toHaveLength(1)
    expect(srv.requests.map((r) => r.method)).toEqual(['POST'])
  })
})
