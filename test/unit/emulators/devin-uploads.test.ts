/**
 * The Devin emulator's attachment upload (test/emulators/devin-uploads.ts) and the multipart
 * reader behind it (test/emulators/multipart.ts): the answers FastAPI would give, and the
 * conformance check catching what no client should send.
 */
import { describe, expect, it } from 'vitest'
import { describeViolation } from '../../emulators/conformance.ts'
import { boundaryOf, parseMultipart, readForm } from '../../emulators/multipart.ts'
import { ORG, call, create, devin, post } from './helpers.ts'

const UPLOADS = `${ORG}/attachments`
const B = 'XyZ-boundary'
const TYPE = `multipart/form-data; boundary=${B}`

/** A hand-written multipart body: each part's header lines, then its data. */
function multipart(parts: Array<{ headers: string[]; data: string }>, closing = true): string {
  const body = parts.map((p) => `--${B}\r\n${p.headers.join('\r\n')}\r\n\r\n${p.data}\r\n`)
  return body.join('') + (closing ? `--${B}--\r\n` : '')
}

const filePart = (data: string, name = 'file', filename = 'a.txt') => ({
  headers: [`Content-Disposition: form-data; name="${name}"; filename="${filename}"`],
  data
})

const send = (emu: { url: string }, body: string | FormData, type = TYPE) =>
  call(emu, UPLOADS, {
    method: 'POST',
    body,
    ...(typeof body === 'string' ? { headers: { 'content-type': type } } : {})
  })

const form = (content: string, name = 'log.txt'): FormData => {
  const f = new FormData()
  f.set('file', new Blob([content], { type: 'text/plain' }), name)
  return f
}

const violations = (emu: Awaited<ReturnType<typeof devin>>) =>
  emu.takeViolations().flatMap((v) => v.problems)

describe('Devin emulator: attachment upload', () => {
  it('stores the file and answers the documented shape with a URL that serves it', async () => {
    const emu = await devin()
    const res = await send(emu, form('line 1\nline ✓\n'))
    expect(res.status).toBe(200)
    const json = (await res.json()) as { attachment_id: string; name: string; url: string }
    expect(Object.keys(json).sort()).toEqual(['attachment_id', 'name', 'url'])
    expect(json.name).toBe('log.txt')
    expect(emu.uploads.byUrl(json.url)?.content.toString()).toBe('line 1\nline ✓\n')
    // The download route redirects to the storage stand-in, as a real download does.
    const got = await call(emu, new URL(json.url).pathname)
    expect(got.url).toMatch(/\/files\//)
    expect(await got.text()).toBe('line 1\nline ✓\n')
  })

  it('401 without the key, 403 for another org or without UseDevinSessions', async () => {
    const emu = await devin()
    const anon = await fetch(`${emu.url}${UPLOADS}`, { method: 'POST', body: form('x') })
    expect(anon.status).toBe(401)
    const other = await call(emu, '/v3/organizations/org-other/attachments', {
      method: 'POST',
      body: form('x')
    })
    expect(other.status).toBe(403)
    emu.uploads.denyUploads()
    const denied = await send(emu, form('x'))
    expect(denied.status).toBe(403)
    expect(((await denied.json()) as { detail: string }).detail).toMatch(/UseDevinSessions/)
    emu.uploads.denyUploads(false)
    expect((await send(emu, form('x'))).status).toBe(200)
    expect(emu.uploads.all).toHaveLength(1)
  })

  it('413 for a file over the limit, storing nothing', async () => {
    const emu = await devin()
    emu.uploads.limitUploads(4)
    expect((await send(emu, form('12345'))).status).toBe(413)
    expect((await send(emu, form('1234'))).status).toBe(200)
    expect(emu.uploads.all.map((f) => f.content.toString())).toEqual(['1234'])
  })

  it('422 for a missing `file`, a JSON body, or `file` sent as a plain value', async () => {
    const emu = await devin()
    const missing = await send(emu, multipart([filePart('x', 'upload')]))
    expect(missing.status).toBe(422)
    expect(await missing.json()).toEqual({
      detail: [{ loc: ['body', 'file'], msg: 'Field required', type: 'missing' }]
    })
    expect((await post(emu, UPLOADS, { file: 'x' })).status).toBe(422)
    const plain = multipart([
      { headers: ['Content-Disposition: form-data; name="file"'], data: 'x' }
    ])
    const asValue = await send(emu, plain)
    expect(asValue.status).toBe(422)
    const twice = await send(emu, multipart([filePart('a'), filePart('b')]))
    expect(twice.status).toBe(422)
    expect(emu.uploads.all).toEqual([])
    expect(violations(emu)).toEqual([
      "form must have required property 'file'",
      "form has undocumented field 'upload'",
      'body is not multipart/form-data: the content-type is not multipart/form-data with a boundary',
      'form/file must be object, not "x"',
      "form field 'file' is sent more than once"
    ])
  })

  it('400 for a multipart body it cannot parse', async () => {
    const emu = await devin()
    const res = await send(emu, multipart([filePart('x')], false))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { detail: string }).detail).toBe(
      'There was an error parsing the body: the closing boundary is missing'
    )
    expect(violations(emu)).toEqual([
      'body is not multipart/form-data: the closing boundary is missing'
    ])
  })

  it('catches an upload answer off the documented shape', async () => {
    const emu = await devin()
    emu.alterAnswers({ method: 'POST', path: UPLOADS }, (reply) => {
      const { url: _url, ...rest } = reply.json as Record<string, unknown>
      return { ...reply, json: { ...rest, size: 1 } }
    })
    await send(emu, form('x'))
    const [found, ...more] = emu.takeViolations()
    expect(more).toEqual([])
    expect(found?.problems).toEqual([
      "body must have required property 'url'",
      "body has undocumented field 'size'"
    ])
    expect(describeViolation(found!)).toMatch(
      /^Devin answer POST \S+ → 200 \(§1\.9 upload attachment/
    )
  })
})

describe('Devin emulator: attachment_urls on create', () => {
  it("records them, and lists uploads among the session attachments as the user's", async () => {
    const emu = await devin()
    const { url } = (await (await send(emu, form('log', 'ci.log'))).json()) as { url: string }
    const elsewhere = 'https://example.com/other.txt'
    const id = await create(emu, { prompt: 'p', attachment_urls: [url, elsewhere] })
    expect(emu.sessions.get(id)?.attachmentUrls).toEqual([url, elsewhere])
    const listed = (await (await call(emu, `${ORG}/sessions/${id}/attachments`)).json()) as Array<{
      name: string
      source: string
    }>
    expect(listed.map((a) => [a.name, a.source])).toEqual([['ci.log', 'user']])
  })

  it('refuses a URL over 2,083 characters or an empty one; the check flags a non-URI', async () => {
    const emu = await devin()
    const long = `https://example.com/${'a'.repeat(2064)}`
    expect(long.length).toBe(2084)
    const res = await post(emu, `${ORG}/sessions`, { prompt: 'p', attachment_urls: [long] })
    expect(res.status).toBe(422)
    expect(
      (await post(emu, `${ORG}/sessions`, { prompt: 'p', attachment_urls: [''] })).status
    ).toBe(422)
    expect((await post(emu, `${ORG}/sessions`, { prompt: 'p', attachment_urls: 'x' })).status).toBe(
      422
    )
    await create(emu, { prompt: 'p', attachment_urls: ['not a url'] })
    expect(violations(emu)).toEqual([
      'body/attachment_urls/0 must NOT have more than 2083 characters',
      'body/attachment_urls/0 must NOT have fewer than 1 characters',
      'body/attachment_urls/0 must match format "uri", not ""',
      'body/attachment_urls must be array or null, not "x"',
      'body/attachment_urls/0 must match format "uri", not "not a url"'
    ])
  })
})

describe('multipart reader', () => {
  it('reads a boundary quoted or not, and nothing from another type', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc')
    expect(boundaryOf('Multipart/Form-Data; charset=x; boundary="a b"')).toBe('a b')
    expect(boundaryOf('multipart/mixed; boundary=abc')).toBeUndefined()
    expect(boundaryOf('application/json')).toBeUndefined()
    expect(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeUndefined()
  })

  it('keeps data byte for byte, CRLFs and boundary look-alikes included', () => {
    // A delimiter is CRLF, `--` and the whole boundary: a prefix of it is data.
    const data = `a\r\n--${B.slice(0, -1)}\r\n--\r\n\r\nb\r\n`
    const parts = readForm(TYPE, Buffer.from(multipart([filePart(data)])))
    expect(parts).toEqual([{ name: 'file', filename: 'a.txt', data: Buffer.from(data) }])
  })

  it('refuses a preamble, a missing disposition, a bad delimiter line', () => {
    const ok = multipart([filePart('x')])
    expect(parseMultipart(Buffer.from(`hello\r\n${ok}`), B)).toBe(
      'the body does not open with its boundary'
    )
    const noName = multipart([{ headers: ['Content-Type: text/plain'], data: 'x' }])
    expect(parseMultipart(Buffer.from(noName), B)).toMatch(/no Content-Disposition/)
    expect(parseMultipart(Buffer.from(`--${B}xx`), B)).toMatch(/not followed by CRLF/)
    expect(parseMultipart(Buffer.from(`--${B}\r\nno blank line\r\n--${B}--`), B)).toMatch(
      /no blank line/
    )
  })
})
