import { describe, expect, it } from 'vitest'
import {
  DevinApiError,
  DevinConfigError,
  DevinMalformedResponseError,
  DevinNetworkError,
  errorDetailFromBody,
  isUnknownOutcome
} from '../../../src/devin/errors.ts'
import {
  listItems,
  parseAttachment,
  parseMessage,
  parsePage,
  parsePrReview,
  parseSelf,
  parseSession,
  parseUploadedAttachment
} from '../../../src/devin/types.ts'

describe('parseSession', () => {
  it('reads a v3 session response', () => {
    const raw = {
      session_id: 'devin-abc',
      url: 'https://app.devin.ai/sessions/devin-abc',
      status: 'running',
      status_detail: 'working',
      tags: ['a', 7, 'b'],
      org_id: 'org-1',
      acus_consumed: 1.25,
      pull_requests: [{ pr_url: 'https://github.com/o/r/pull/1', pr_state: 'open' }],
      structured_output: { ok: true },
      title: 'T',
      created_at: 100,
      updated_at: 200,
      is_archived: false,
      extra_field: 'kept in raw'
    }
    expect(parseSession(raw)).toEqual({
      sessionId: 'devin-abc',
      url: 'https://app.devin.ai/sessions/devin-abc',
      status: 'running',
      status_detail: 'working',
      tags: ['a', 'b'],
      org_id: 'org-1',
      acus_consumed: 1.25,
      pull_requests: [{ pr_url: 'https://github.com/o/r/pull/1', pr_state: 'open' }],
      structured_output: { ok: true },
      title: 'T',
      created_at: 100,
      updated_at: 200,
      is_archived: false,
      raw
    })
  })

  it('takes the id from older field names and adds the devin- prefix', () => {
    expect(parseSession({ devin_id: 'x1' })?.sessionId).toBe('devin-x1')
    expect(parseSession({ id: ' devin-x2 ' })?.sessionId).toBe('devin-x2')
    expect(parseSession({ session_id: 'x3', devin_id: 'ignored' })?.sessionId).toBe('devin-x3')
  })

  it('is no session without a usable id, or when not an object', () => {
    for (const v of [
      {},
      { session_id: '' },
      { session_id: '  ' },
      { session_id: 'devin-' },
      { session_id: 5 }
    ])
      expect(parseSession(v)).toBeUndefined()
    for (const v of [null, 'devin-abc', ['devin-abc'], 42]) expect(parseSession(v)).toBeUndefined()
  })

  it('fills what is missing or malformed with neutral values', () => {
    const s = parseSession({
      session_id: 'devin-y',
      acus_consumed: Infinity,
      created_at: '100',
      tags: 'a,b',
      is_archived: 'true',
      pull_requests: 'https://github.com/o/r/pull/1'
    })
    expect(s).toMatchObject({
      url: null,
      status: 'unknown',
      status_detail: null,
      tags: [],
      acus_consumed: null,
      created_at: null,
      is_archived: false,
      pull_requests: [],
      structured_output: null,
      title: null
    })
  })

  it('reads pull requests as strings, v3 objects or older `url`/`state` objects', () => {
    const s = parseSession({
      session_id: 'devin-z',
      pull_requests: [
        'https://github.com/o/r/pull/1',
        { url: 'https://github.com/o/r/pull/2', state: 'merged' },
        { pr_url: '', pr_state: 'open' },
        { pr_state: 'open' },
        7
      ]
    })
    expect(s?.pull_requests).toEqual([
      { pr_url: 'https://github.com/o/r/pull/1', pr_state: null },
      { pr_url: 'https://github.com/o/r/pull/2', pr_state: 'merged' }
    ])
  })
})

describe('parseMessage, parseAttachment, parseSelf', () => {
  it('reads messages leniently', () => {
    expect(parseMessage({ event_id: 'e1', message: 'hi', source: 'devin', created_at: 3 })).toEqual(
      {
        event_id: 'e1',
        message: 'hi',
        source: 'devin',
        created_at: 3,
        raw: { event_id: 'e1', message: 'hi', source: 'devin', created_at: 3 }
      }
    )
    expect(parseMessage({})).toMatchObject({ event_id: '', message: '', source: 'unknown' })
    expect(parseMessage('hi')).toBeUndefined()
  })

  it('needs a URL for an attachment, and takes older id and name fields', () => {
    expect(parseAttachment({ name: 'a.md' })).toBeUndefined()
    expect(parseAttachment({ id: 'i1', filename: 'b.md', url: 'https://x.test/b' })).toMatchObject({
      attachment_id: 'i1',
      name: 'b.md',
      url: 'https://x.test/b',
      source: null,
      content_type: null
    })
  })

  it('reads /v3/self, with no organization for a blank org id', () => {
    expect(parseSelf({ principal_type: 'service_user', org_id: 'org-1' })).toMatchObject({
      principal_type: 'service_user',
      org_id: 'org-1'
    })
    expect(parseSelf({ org_id: '  ' })).toMatchObject({ principal_type: 'unknown', org_id: null })
    expect(parseSelf([])).toBeUndefined()
  })
})

describe('parseUploadedAttachment', () => {
  const ok = { attachment_id: 'a1', name: 'log.txt', url: 'https://x.test/a1/log.txt' }

  it('takes the three documented fields and nothing else', () => {
    expect(parseUploadedAttachment({ ...ok, extra: 1 })).toEqual(ok)
    expect(parseUploadedAttachment({ ...ok, name: '' })).toEqual({ ...ok, name: '' })
  })

  it('refuses an answer without an id or a URL, or one attachment_urls cannot take', () => {
    for (const bad of [
      null,
      [ok],
      { ...ok, attachment_id: '' },
      { ...ok, url: undefined },
      { ...ok, url: '' },
      { ...ok, name: 3 },
      { ...ok, url: `https://x.test/${'a'.repeat(2070)}` }
    ])
      expect(parseUploadedAttachment(bad)).toBeUndefined()
    expect(
      parseUploadedAttachment({ ...ok, url: `https://x.test/${'a'.repeat(2068)}` })
    ).toBeDefined()
  })
})

describe('parsePrReview', () => {
  const review = {
    commit_sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    created_at: '2026-11-29T10:00:00.123Z',
    pr_number: 12,
    repo_path: 'github.com/acme/widgets',
    status: 'pending'
  }

  it('reads the documented answer, keeps extra fields in raw and an unknown status as sent', () => {
    const raw = { ...review, status: 'queued_for_gpu', reviewer: { kind: 'bot' } }
    expect(parsePrReview(raw)).toEqual({ ...review, status: 'queued_for_gpu', raw })
  })

  it('refuses an answer without what the action needs, or with it mistyped', () => {
    for (const [field, value] of [
      ['commit_sha', undefined],
      ['commit_sha', ''],
      ['commit_sha', '  '],
      ['commit_sha', 123],
      // Hostile or odd: markup, a workflow command, a line break, a mention, too short or long.
      ['commit_sha', '<img src=x onerror=alert(1)>'],
      ['commit_sha', '::set-output name=x::y'],
      ['commit_sha', 'a1b2c3d\n::error::x'],
      ['commit_sha', '@org/team'],
      ['commit_sha', 'a1b2c3'],
      ['commit_sha', 'a'.repeat(65)],
      ['commit_sha', 'g1b2c3d4'],
      ['status', undefined],
      ['status', null],
      ['created_at', 1764410400],
      ['pr_number', '12'],
      ['pr_number', Number.NaN],
      ['repo_path', null]
    ] as const) {
      expect(parsePrReview({ ...review, [field]: value }), `${field}=${String(value)}`).toBe(
        undefined
      )
    }
    for (const v of [null, 'x', [review]]) expect(parsePrReview(v)).toBe(undefined)
  })
})

describe('listItems and parsePage', () => {
  const id = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

  it('takes {items} or a bare array, nothing else', () => {
    expect(listItems({ items: [1] })).toEqual([1])
    expect(listItems([2])).toEqual([2])
    expect(listItems({ items: 'x' })).toBeUndefined()
    expect(listItems('x')).toBeUndefined()
  })

  it('keeps what parses and counts what was dropped', () => {
    expect(
      parsePage({ items: ['a', 1, 'b'], end_cursor: 'c1', has_next_page: true, total: 9 }, id)
    ).toEqual({ items: ['a', 'b'], endCursor: 'c1', hasNextPage: true, total: 9, dropped: 1 })
    expect(parsePage({ nope: [] }, id)).toBeUndefined()
  })

  it('has a next page only with a cursor to get it', () => {
    expect(
      parsePage({ items: ['a'], end_cursor: null, has_next_page: true }, id)?.hasNextPage
    ).toBe(false)
    expect(parsePage({ items: ['a'], end_cursor: '', has_next_page: true }, id)?.hasNextPage).toBe(
      false
    )
    expect(
      parsePage({ items: ['a'], end_cursor: 'c', has_next_page: false }, id)?.hasNextPage
    ).toBe(false)
  })

  it('without has_next_page, a cursor on a non-empty page means more', () => {
    expect(parsePage({ items: ['a'], end_cursor: 'c' }, id)?.hasNextPage).toBe(true)
    expect(parsePage({ items: [], end_cursor: 'c' }, id)?.hasNextPage).toBe(false)
    expect(parsePage(['a', 'b'], id)).toEqual({
      items: ['a', 'b'],
      endCursor: null,
      hasNextPage: false,
      total: null,
      dropped: 0
    })
  })
})

describe('errorDetailFromBody', () => {
  it('reads problem+json detail, then title', () => {
    expect(errorDetailFromBody('{"title":"Not Found","detail":"Session x not found"}')).toBe(
      'Session x not found'
    )
    expect(errorDetailFromBody('{"title":"Forbidden","detail":""}')).toBe('Forbidden')
  })

  it('reads FastAPI validation lists as location: message', () => {
    const body = JSON.stringify({
      detail: [
        { loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' },
        { loc: ['query', 'first'], msg: 'too big' }
      ]
    })
    expect(errorDetailFromBody(body)).toBe('body.prompt: Field required; query.first: too big')
  })

  it('adds field errors to the main message once', () => {
    const body = JSON.stringify({
      title: 'Validation Failed',
      errors: [{ field: 'tags', message: 'too many' }]
    })
    expect(errorDetailFromBody(body)).toBe('Validation Failed: tags: too many')
    expect(errorDetailFromBody(JSON.stringify({ detail: { msg: 'nested' } }))).toBe('nested')
    expect(errorDetailFromBody('"just a string"')).toBe('just a string')
  })

  it('excerpts HTML and plain text on one line', () => {
    const html =
      '<!doctype html><html><head><title>502 Bad Gateway</title><style>x{}</style></head><body><h1>502 Bad Gateway</h1><p>nginx &amp; co</p></body></html>'
    expect(errorDetailFromBody(html)).toBe('502 Bad Gateway nginx & co')
    expect(errorDetailFromBody('upstream\n  connect error')).toBe('upstream connect error')
    const long = errorDetailFromBody('x'.repeat(500))
    expect(long).toHaveLength(200)
    expect(long.endsWith('…')).toBe(true)
  })

  it('treats text that only looks like JSON as text, and an empty body as nothing', () => {
    expect(errorDetailFromBody('{not json')).toBe('{not json')
    expect(errorDetailFromBody('   ')).toBe('')
  })
})

describe('isUnknownOutcome', () => {
  const api = (status: number) =>
    new DevinApiError('x', { status, detail: '', method: 'POST', path: '/' })

  it('is true where the server may have acted: no answer, 5xx, 408, an unusable 2xx', () => {
    expect(
      isUnknownOutcome(
        new DevinNetworkError('x', {
          method: 'POST',
          path: '/',
          code: 'ECONNRESET',
          timedOut: false
        })
      )
    ).toBe(true)
    expect(isUnknownOutcome(api(502))).toBe(true)
    expect(isUnknownOutcome(api(408))).toBe(true)
    expect(
      isUnknownOutcome(
        new DevinMalformedResponseError('x', { status: 200, detail: '', method: 'POST', path: '/' })
      )
    ).toBe(true)
  })

  it('is false for answers that say the request was refused', () => {
    for (const s of [400, 401, 403, 404, 409, 422, 429])
      expect(isUnknownOutcome(api(s))).toBe(false)
    expect(isUnknownOutcome(new DevinConfigError('x'))).toBe(false)
    expect(isUnknownOutcome(new Error('x'))).toBe(false)
  })

  it('is false for a request that never got past the proxy: Devin did not see it', () => {
    const f = { method: 'POST', path: '/', timedOut: false }
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'PROXY_502', 'PROXY_503'])
      expect(isUnknownOutcome(new DevinNetworkError('x', { ...f, code, unsent: true })), code).toBe(
        false
      )
    expect(isUnknownOutcome(new DevinNetworkError('x', { ...f, code: 'ECONNREFUSED' }))).toBe(true)
  })
})
