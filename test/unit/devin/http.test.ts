import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BodyTooLargeError, sendOnce, TransportError } from '../../../src/devin/http.ts'
import { createNetwork } from '../../../src/net/dispatcher.ts'

// Loopback only: the toolkit never proxies it, whatever the machine's proxy variables say.
const network = createNetwork()

let server: Server
let base = ''
const seen: Array<{ method: string; url: string; auth?: string; body: string }> = []

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization,
        body: Buffer.concat(chunks).toString()
      })
      switch (req.url) {
        case '/json':
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-Request-Id': 'r-1' })
          res.end('{"ok":true}')
          return
        case '/redirect':
          res.writeHead(302, { Location: '/json' })
          res.end()
          return
        case '/declared-large':
          res.writeHead(200, { 'Content-Length': '5000' })
          res.end('x'.repeat(5000))
          return
        case '/streamed-large':
          res.writeHead(200) // chunked: no length declared
          res.write('x'.repeat(600))
          res.end('y'.repeat(600))
          return
        case '/silent':
          return // never answers
        case '/empty':
          res.writeHead(204)
          res.end()
          return
      }
      res.writeHead(404)
      res.end('nope')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await network.close()
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

const attempt = { dispatcher: network.dispatcher, headers: {}, timeoutMs: 10_000, maxBytes: 1024 }

describe('sendOnce', () => {
  it('sends method, headers and body, and returns status, lower-case headers and body', async () => {
    const res = await sendOnce('POST', new URL(`${base}/json`), {
      ...attempt,
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{"prompt":"x"}'
    })
    expect(res.status).toBe(201)
    expect(res.headers['x-request-id']).toBe('r-1')
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.body.toString()).toBe('{"ok":true}')
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/json',
      auth: 'Bearer k',
      body: '{"prompt":"x"}'
    })
  })

  it('does not follow redirects: the caller decides where credentials go', async () => {
    const before = seen.length
    const res = await sendOnce('GET', new URL(`${base}/redirect`), attempt)
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe('/json')
    expect(seen.slice(before).map((r) => r.url)).toEqual(['/redirect'])
  })

  it('answers an empty body as an empty buffer', async () => {
    const res = await sendOnce('DELETE', new URL(`${base}/empty`), attempt)
    expect(res.status).toBe(204)
    expect(res.body.length).toBe(0)
  })

  it('refuses a body over the limit, declared or streamed', async () => {
    const declared = await sendOnce('GET', new URL(`${base}/declared-large`), attempt).catch(
      (e: unknown) => e
    )
    expect(declared).toBeInstanceOf(BodyTooLargeError)
    expect((declared as BodyTooLargeError).status).toBe(200)
    const streamed = await sendOnce('GET', new URL(`${base}/streamed-large`), attempt).catch(
      (e: unknown) => e
    )
    expect(streamed).toBeInstanceOf(BodyTooLargeError)
    const fits = await sendOnce('GET', new URL(`${base}/streamed-large`), {
      ...attempt,
      maxBytes: 1200
    })
    expect(fits.body.length).toBe(1200)
  })

  it('reports a refused connection as a transport error with its code', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const err = await sendOnce('GET', new URL(`http://127.0.0.1:${port}/`), attempt).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(TransportError)
    expect(err).toMatchObject({ code: 'ECONNREFUSED', timedOut: false })
  })

  it('gives up on a server that never answers once its time is up', async () => {
    const err = await sendOnce('GET', new URL(`${base}/silent`), {
      ...attempt,
      timeoutMs: 50
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TransportError)
    expect(err).toMatchObject({ message: 'timed out', code: 'TIMEOUT', timedOut: true })
  })
})
