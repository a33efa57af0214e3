import { describe, expect, it } from 'vitest'
import { parseSession, type DevinSession, type Page } from '../../../src/devin/types.ts'
import { listLive } from '../../../src/sync/list.ts'
import type { SyncDevin } from '../../../src/sync/ports.ts'
import { recordingLog } from '../../helpers/log.ts'

const s = (id: string, tags: string[]): DevinSession =>
  parseSession({ session_id: id, status: 'running', tags }) as DevinSession

/** A server that ignores the tag filter, as an API whose filter semantics are undocumented may. */
function unfiltered(all: DevinSession[], pageSize = 2) {
  const asked: Array<{ tags?: string[]; first?: number; after?: string }> = []
  const devin = {
    async listSessions(_org: string, q: { tags?: string[]; first?: number; after?: string }) {
      asked.push(q)
      const start = Number(q.after ?? 0)
      const next = start + pageSize < all.length
      const page: Page<DevinSession> = {
        items: all.slice(start, start + pageSize),
        endCursor: next ? String(start + pageSize) : null,
        hasNextPage: next,
        total: all.length
      }
      return page
    }
  } as unknown as SyncDevin
  return { devin, asked }
}

describe('listLive', () => {
  it('asks by the live tag 100 at a time, and keeps only exact live tags on the action’s own', async () => {
    const ours = 'gh:octo/hello#4:default'
    const { devin, asked } = unfiltered([
      s('a', ['gh-live:octo/hello', ours]),
      s('b', ['gh-live:octo/hello-world', ours]),
      s('c', ['gh-live:octo/hello']),
      s('d', ['gh-live:octo/hello', 'gh:octo/hello-world#4:default']),
      s('e', ['gh-live:Octo/Hello', ours]),
      s('f', [ours, 'gh-live:octo/hello', 'gh-shown:running/working/0'])
    ])
    const r = await listLive(devin, 'org-x', 'octo/hello', recordingLog())
    expect(r.live.map((l) => l.session.sessionId)).toEqual(['devin-a', 'devin-f'])
    expect(r.live[1]?.tracking).toMatchObject({
      pr: 4,
      commentKey: 'default',
      shown: 'running/working/0'
    })
    expect(r).toMatchObject({ listed: 6, pages: 3 })
    expect(asked).toEqual([
      { tags: ['gh-live:octo/hello'], first: 100, after: undefined },
      { tags: ['gh-live:octo/hello'], first: 100, after: '2' },
      { tags: ['gh-live:octo/hello'], first: 100, after: '4' }
    ])
  })

  it('a session on two pages (the list moved while paging) is synced once', async () => {
    const one = s('a', ['gh-live:o/r', 'gh:o/r#1:k'])
    const { devin } = unfiltered([one, s('b', []), one])
    const r = await listLive(devin, 'org-x', 'o/r', recordingLog())
    expect(r.live).toHaveLength(1)
  })

  it('stops at 100 pages with a warning', async () => {
    const endless = {
      async listSessions(_o: string, q: { after?: string }) {
        const n = Number(q.after ?? 0) + 1
        return { items: [], endCursor: String(n), hasNextPage: true, total: null }
      }
    } as unknown as SyncDevin
    const log = recordingLog()
    const r = await listLive(endless, 'org-x', 'o/r', log)
    expect(r.pages).toBe(100)
    expect(log.warnings).toEqual([expect.stringMatching(/after 100 pages \(the page limit\)/)])
  })
})
