import { describe, expect, it } from 'vitest'
import { ORG, KEY, call, create, devin, post } from './helpers.ts'

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
