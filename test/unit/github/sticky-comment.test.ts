import { describe, expect, it } from 'vitest'
import {
  MAX_COMMENT_CHARS,
  StickyComment,
  markerFor,
  withMarker
} from '../../../src/github/sticky-comment.ts'
import type { GitHubApi, IssueComment } from '../../../src/github/client.ts'
import { commentText } from '../../helpers/gated.ts'

/** In-memory comments with the REST semantics the sticky logic relies on. */
function fakeApi(login = 'github-actions[bot]') {
  const comments: IssueComment[] = []
  let next = 1
  let clock = 0
  const calls: string[] = []
  const api: Partial<GitHubApi> = {
    whoAmI: async () => login,
    async *listComments() {
      calls.push('list')
      yield* comments.map((c) => ({ ...c }))
    },
    async createComment(_issue, body) {
      calls.push('create')
      const c = {
        id: next++,
        body,
        html_url: `u/${next}`,
        created_at: String(clock++).padStart(4, '0'),
        user: { login }
      }
      comments.push(c)
      return { ...c }
    },
    async updateComment(id, body) {
      calls.push(`update:${id}`)
      const c = comments.find((x) => x.id === id)
      if (!c) throw Object.assign(new Error('Not Found'), { status: 404 })
      c.body = body
      return { ...c }
    },
    async deleteComment(id) {
      calls.push(`delete:${id}`)
      const i = comments.findIndex((x) => x.id === id)
      if (i < 0) throw Object.assign(new Error('Not Found'), { status: 404 })
      comments.splice(i, 1)
    }
  }
  const seed = (body: string, who = login) => {
    comments.push({
      id: next++,
      body,
      html_url: 'x',
      created_at: String(clock++).padStart(4, '0'),
      user: { login: who }
    })
  }
  return { api: api as GitHubApi, comments, calls, seed }
}

describe('StickyComment', () => {
  it('creates once, then updates in place and skips unchanged bodies', async () => {
    const f = fakeApi()
    const s = new StickyComment(f.api, 1, 'default')
    const first = await s.write(commentText('hello'))
    expect(first.created).toBe(true)
    await s.write(commentText('hello'))
    await s.write(commentText('changed'))
    expect(f.comments).toHaveLength(1)
    expect(f.comments[0]?.body).toBe(`${markerFor('default')}\nchanged`)
    expect(f.calls.filter((c) => c.startsWith('update'))).toHaveLength(1)
  })

  it('finds the comment of an earlier run by marker and author, ignoring impostors and other keys', async () => {
    const f = fakeApi()
    f.seed(`${markerFor('default')}\nfake`, 'mallory')
    f.seed(`${markerFor('other')}\nother key`)
    f.seed(`${markerFor('default')}\nours`)
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('new body'))
    expect(res.created).toBe(false)
    expect(res.id).toBe(3)
    expect(f.comments.map((c) => c.body)).toEqual([
      `${markerFor('default')}\nfake`,
      `${markerFor('other')}\nother key`,
      `${markerFor('default')}\nnew body`
    ])
  })

  it('keeps the oldest of duplicates left by racing runs and deletes the rest', async () => {
    const f = fakeApi()
    f.seed(`${markerFor('default')}\nrun A`)
    f.seed(`${markerFor('default')}\nrun B`)
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('run C'))
    expect(res).toMatchObject({ id: 1, deletedDuplicates: 1 })
    expect(f.comments).toHaveLength(1)
  })

  it('settles a race that happens during its own create', async () => {
    const f = fakeApi()
    const create = f.api.createComment.bind(f.api)
    // Another run creates its comment just before ours lands.
    f.api.createComment = async (issue, body) => {
      f.seed(`${markerFor('default')}\nother run`)
      return create(issue, body)
    }
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('mine'))
    expect(f.comments).toHaveLength(1)
    expect(res.id).toBe(f.comments[0]?.id)
    expect(f.comments[0]?.body).toBe(`${markerFor('default')}\nmine`)
  })

  it('adopts the oldest when the racing run already deleted ours', async () => {
    const f = fakeApi()
    const create = f.api.createComment.bind(f.api)
    f.api.createComment = async (issue, body) => {
      f.seed(`${markerFor('default')}\nother run`) // the other run's comment is older
      const mine = await create(issue, body)
      f.comments.splice(
        f.comments.findIndex((c) => c.id === mine.id),
        1
      ) // and it deletes ours
      return mine
    }
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('mine'))
    expect(f.comments).toHaveLength(1)
    expect(res.id).toBe(f.comments[0]?.id)
    expect(f.comments[0]?.body).toBe(`${markerFor('default')}\nmine`)
  })

  it('keeps bodies under the GitHub limit', () => {
    const body = withMarker('default', commentText('x'.repeat(100_000)))
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS)
    expect(body).toMatch(/cut to fit/)
  })
})
