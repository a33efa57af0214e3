import { afterEach, describe, expect, it, vi } from 'vitest'
import { DevinApiError } from '../../../src/devin/errors.ts'
import type { DevinMessage, Page } from '../../../src/devin/types.ts'
import {
  MAX_DRAIN_PAGES,
  MESSAGE_PAGE,
  MessageStream,
  messageTitle
} from '../../../src/lifecycle/messages.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

function msg(id: string, message: string, source = 'devin'): DevinMessage {
  return { event_id: id, message, source, created_at: null, raw: {} }
}

describe('messageTitle', () => {
  it('is the source and the first non-blank line', () => {
    expect(messageTitle(msg('1', '\n\n  Looking at the tests  \nmore'))).toBe(
      '💬 devin: Looking at the tests'
    )
  })

  it('flattens control and format characters, so a title cannot reorder or break the log', () => {
    expect(messageTitle(msg('1', 'evil\u202Etxt.exe\u0007 done'))).toBe(
      '💬 devin: evil txt.exe  done'
    )
  })

  it('cuts long lines at 100 characters and names an empty message', () => {
    const t = messageTitle(msg('1', 'x'.repeat(150), 'user'))
    expect(t).toBe(`💬 user: ${'x'.repeat(99)}…`)
    expect(messageTitle(msg('1', '  \n '))).toBe('💬 devin: (empty message)')
  })
})

/** Pages of messages keyed by the cursor they are asked with ('' for the first). */
function pagedDevin(pages: Record<string, Page<DevinMessage> | Error>) {
  const asked: Array<string | undefined> = []
  return {
    asked,
    devin: {
      listMessages: async (
        _org: string,
        _id: string,
        q: { after?: string; first?: number }
      ): Promise<Page<DevinMessage>> => {
        asked.push(q.after)
        expect(q.first).toBe(MESSAGE_PAGE)
        const p = pages[q.after ?? '']
        if (p instanceof Error) throw p
        if (!p) throw new Error(`no page for ${q.after}`)
        return p
      }
    }
  }
}

const page = (items: DevinMessage[], endCursor: string | null): Page<DevinMessage> => ({
  items,
  endCursor,
  hasNextPage: endCursor !== null,
  total: null
})

function stream(devin: ReturnType<typeof pagedDevin>['devin'], scrub?: (t: string) => string) {
  const printed: Array<[string, string]> = []
  const warnings: string[] = []
  const s = new MessageStream({
    devin,
    orgId: 'org-1',
    sessionId: 'devin-1',
    print: (title, body) => printed.push([title, body]),
    log: { warning: (m) => warnings.push(m) },
    scrub
  })
  return { s, printed, warnings }
}

describe('MessageStream.drain', () => {
  it('reads every page, prints Devin’s messages once and skips the user’s', async () => {
    const d = pagedDevin({
      '': page([msg('u1', 'the handoff', 'user'), msg('d1', 'On it')], 'c1'),
      c1: page([msg('d2', 'Done')], null)
    })
    const { s, printed } = stream(d.devin)
    await s.drain()
    expect(d.asked).toEqual([undefined, 'c1'])
    expect(printed).toEqual([
      ['💬 devin: On it', 'On it'],
      ['💬 devin: Done', 'Done']
    ])
    expect(s.printed).toBe(2)
    expect(s.requests).toBe(2)
  })

  it('goes on from the last full page and prints nothing twice', async () => {
    const pages: Record<string, Page<DevinMessage>> = {
      '': page([msg('d1', 'one')], 'c1'),
      c1: page([msg('d2', 'two')], null)
    }
    const d = pagedDevin(pages)
    const { s, printed } = stream(d.devin)
    await s.drain()
    pages.c1 = page([msg('d2', 'two'), msg('d3', 'three')], null)
    await s.drain()
    expect(d.asked).toEqual([undefined, 'c1', 'c1'])
    expect(printed.map(([, b]) => b)).toEqual(['one', 'two', 'three'])
  })

  it('tells apart messages without an id by their content', async () => {
    const same = { ...msg('', 'same'), created_at: 5 }
    const d = pagedDevin({ '': page([same, same, { ...same, created_at: 6 }], null) })
    const { s: st, printed } = stream(d.devin)
    await st.drain()
    expect(printed).toHaveLength(2)
  })

  it('stops when the cursor does not move, and after MAX_DRAIN_PAGES pages', async () => {
    const loop = pagedDevin({ '': page([], 'c1'), c1: page([msg('d1', 'x')], 'c1') })
    await stream(loop.devin).s.drain()
    expect(loop.asked).toEqual([undefined, 'c1'])
    const endless: Record<string, Page<DevinMessage>> = {}
    for (let i = 0; i < 30; i++) endless[i ? `c${i}` : ''] = page([], `c${i + 1}`)
    const many = pagedDevin(endless)
    await stream(many.devin).s.drain()
    expect(MAX_DRAIN_PAGES).toBe(20)
    expect(many.asked).toHaveLength(MAX_DRAIN_PAGES)
  })

  it('scrubs titles and bodies before printing', async () => {
    const d = pagedDevin({ '': page([msg('d1', 'key cog_abc123 leaked')], null) })
    const { s, printed } = stream(d.devin, (t) => t.replace('cog_abc123', '***'))
    await s.drain()
    expect(printed).toEqual([['💬 devin: key *** leaked', 'key *** leaked']])
  })

  it('warns once when reading fails, and starts over after a cursor the server refuses', async () => {
    const refused = new DevinApiError('Devin API GET failed: 400 Bad Request', {
      status: 400,
      detail: 'Invalid cursor',
      method: 'GET',
      path: '/messages'
    })
    const pages: Record<string, Page<DevinMessage> | Error> = {
      '': page([msg('d1', 'one')], 'c1'),
      c1: refused
    }
    const d = pagedDevin(pages)
    const { s, printed, warnings } = stream(d.devin)
    await s.drain()
    expect(warnings).toEqual([
      "Could not read the session's messages: Devin API GET failed: 400 Bad Request"
    ])
    pages[''] = page([msg('d1', 'one'), msg('d2', 'two')], null)
    await s.drain()
    // Started over from the first page; the repeat is not printed again.
    expect(d.asked).toEqual([undefined, 'c1', undefined])
    expect(printed.map(([, b]) => b)).toEqual(['one', 'two'])
    pages[''] = new Error('socket hang up')
    await s.drain()
    expect(warnings).toHaveLength(1)
  })

  it('keeps its cursor after other failures', async () => {
    const pages: Record<string, Page<DevinMessage> | Error> = {
      '': page([msg('d1', 'one')], 'c1'),
      c1: new DevinApiError('503', { status: 503, detail: '', method: 'GET', path: '/m' })
    }
    const d = pagedDevin(pages)
    const { s } = stream(d.devin)
    await s.drain()
    pages.c1 = page([], null)
    await s.drain()
    expect(d.asked).toEqual([undefined, 'c1', 'c1'])
  })
})

describe('MessageStream.read', () => {
  it('makes exactly one request, even when the API has more, and goes on from there', async () => {
    const d = pagedDevin({
      '': page([msg('d1', 'one')], 'c1'),
      c1: page([msg('d2', 'two')], 'c2'),
      c2: page([msg('d3', 'three')], null)
    })
    const { s, printed } = stream(d.devin)
    await s.read()
    expect(d.asked).toEqual([undefined])
    await s.read()
    await s.read()
    expect(d.asked).toEqual([undefined, 'c1', 'c2'])
    expect(printed.map(([, b]) => b)).toEqual(['one', 'two', 'three'])
    expect(s.requests).toBe(3)
  })

  it('keeps a cursor the API gives on its last page, so the next read skips what was read', async () => {
    const pages: Record<string, Page<DevinMessage>> = {
      '': { items: [msg('d1', 'one')], endCursor: 'c1', hasNextPage: false, total: 1 }
    }
    const d = pagedDevin(pages)
    const { s, printed } = stream(d.devin)
    await s.read()
    pages.c1 = page([msg('d2', 'two')], null)
    await s.read()
    expect(d.asked).toEqual([undefined, 'c1'])
    expect(printed.map(([, b]) => b)).toEqual(['one', 'two'])
  })

  it('prints a full page of 200 messages from one request, in order and once', async () => {
    const items = Array.from({ length: MESSAGE_PAGE }, (_, i) => msg(`d${i}`, `m${i}`))
    const d = pagedDevin({ '': page(items, null) })
    const { s, printed } = stream(d.devin)
    await s.read()
    await s.read()
    expect(d.asked).toEqual([undefined, undefined])
    expect(printed.map(([, b]) => b)).toEqual(items.map((m) => m.message))
  })

  it('drain gives up at the first failure instead of hammering a failing API', async () => {
    const d = pagedDevin({
      '': page([msg('d1', 'one')], 'c1'),
      c1: new DevinApiError('503', { status: 503, detail: '', method: 'GET', path: '/m' })
    })
    const { s, printed } = stream(d.devin)
    await s.drain()
    expect(d.asked).toEqual([undefined, 'c1'])
    expect(printed).toHaveLength(1)
  })
})
