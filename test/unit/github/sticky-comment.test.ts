import { describe, expect, it } from 'vitest'
import {
  MAX_COMMENT_CHARS,
  StickyComment,
  markerFor,
  withMarker
} from '../../../src/github/sticky-comment.ts'
import type { GitHubApi, IssueComment } from '../../../src/github/client.ts'
import { commentText } from '../../helpers/gated.ts'

interface Who {
  login: string
  type?: 'Bot' | 'User'
  /** Slug of the App the token belongs to (bots: their own). */
  app?: string
}

const appFor = (w: Who): string | undefined =>
  w.app ?? (w.type === 'Bot' ? w.login.replace(/\[bot\]$/, '') : undefined)

/**
 * In-memory comments with the REST semantics the sticky logic relies on: only the author may
 * edit or delete (403 otherwise), a gone comment is 404. `asked` is what `GET /user` tells:
 * the token's login, or undefined for an installation token.
 */
function fakeApi(me: Who | string = 'github-actions[bot]', asked?: string | null) {
  const token: Who = typeof me === 'string' ? { login: me } : me
  const comments: IssueComment[] = []
  let next = 1
  let clock = 0
  const calls: string[] = []
  const fail = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status })
  const mustOwn = (id: number): IssueComment => {
    const c = comments.find((x) => x.id === id)
    if (!c) throw fail(404)
    if (c.user?.login !== token.login) throw fail(403)
    return c
  }
  const make = (body: string, w: Who): IssueComment => {
    const app = appFor(w)
    return {
      id: next++,
      body,
      html_url: `u/${next}`,
      created_at: String(clock++).padStart(4, '0'),
      user: { login: w.login, type: w.type ?? 'User' },
      performed_via_github_app: app ? { id: 1, slug: app } : null
    }
  }
  const api: Partial<GitHubApi> = {
    whoAmI: async () => {
      calls.push('whoami')
      return asked === undefined ? token.login : (asked ?? undefined)
    },
    async *listComments() {
      calls.push('list')
      yield* comments.map((c) => ({ ...c }))
    },
    async createComment(_issue, body) {
      calls.push('create')
      const c = make(body, token)
      comments.push(c)
      return { ...c }
    },
    async updateComment(id, body) {
      calls.push(`update:${id}`)
      const c = mustOwn(id)
      c.body = body
      return { ...c }
    },
    async deleteComment(id) {
      calls.push(`delete:${id}`)
      mustOwn(id)
      comments.splice(
        comments.findIndex((x) => x.id === id),
        1
      )
    }
  }
  const seed = (body: string, who: Who | string = token): IssueComment => {
    const c = make(body, typeof who === 'string' ? { login: who } : who)
    comments.push(c)
    return c
  }
  const remove = (id: number): void => {
    comments.splice(
      comments.findIndex((x) => x.id === id),
      1
    )
  }
  return { api: api as GitHubApi, comments, calls, seed, remove }
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

  it("reads the earlier run's own comment, never an impostor's, and then writes that one", async () => {
    const f = fakeApi()
    f.seed(`${markerFor('default')}\nfake state`, 'mallory')
    const none = new StickyComment(f.api, 1, 'default')
    expect(await none.current()).toBeUndefined()
    f.seed(`${markerFor('default')}\nours`)
    const s = new StickyComment(f.api, 1, 'default')
    expect(await s.current()).toBe(`${markerFor('default')}\nours`)
    const res = await s.write(commentText('ours, with a line'))
    expect(res).toMatchObject({ id: 2, created: false })
    expect(f.calls.filter((c) => c === 'create')).toEqual([])
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

const MARK = markerFor('default')
const MY_APP: Who = { login: 'my-app[bot]', type: 'Bot' }
const ACTIONS: Who = { login: 'github-actions[bot]', type: 'Bot' }
/** An installation token: `GET /user` cannot say who it is. */
const INSTALLATION = null

describe('StickyComment with an App installation token', () => {
  it('finds its own comment from an earlier run and updates it in place', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    await new StickyComment(f.api, 1, 'default').write(commentText('run 1'))
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('run 2'))
    expect(res).toMatchObject({ created: false, deletedDuplicates: 0 })
    expect(f.comments.map((c) => [c.user?.login, c.body])).toEqual([
      ['my-app[bot]', `${MARK}\nrun 2`]
    ])
  })

  it('never adopts or deletes a person’s comment with the marker, also one written through the App', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    const planted = f.seed(`${MARK}\nplanted`, 'mallory')
    const viaApp = f.seed(`${MARK}\nvia app`, { login: 'eve', app: 'my-app' })
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('mine'))
    expect(res.created).toBe(true)
    expect(f.calls.filter((c) => /^(update|delete)/.test(c))).toEqual([])
    expect(f.comments.find((c) => c.id === planted.id)?.body).toBe(`${MARK}\nplanted`)
    expect(f.comments.find((c) => c.id === viaApp.id)?.body).toBe(`${MARK}\nvia app`)
    expect(f.comments).toHaveLength(3)
  })

  it('cleans up its duplicates once its own comment is written, and only those', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    const oldest = f.seed(`${MARK}\nrun A`)
    f.seed(`${MARK}\nhuman`, 'mallory')
    f.seed(`${MARK}\nrun B`)
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('run C'))
    expect(res).toMatchObject({ id: oldest.id, created: false, deletedDuplicates: 1 })
    expect(f.comments.map((c) => c.body)).toEqual([`${MARK}\nrun C`, `${MARK}\nhuman`])
    // Written first, deleted after: a comment inferred ours is proven writable before its kin go.
    expect(f.calls.filter((c) => /^(update|delete)/.test(c))).toEqual([
      `update:${oldest.id}`,
      expect.stringMatching(/^delete:/)
    ])
  })

  it('lets go of another App’s comment GitHub will not let it edit, and writes its own', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    const theirs = f.seed(`${MARK}\nfrom the default token`, ACTIONS)
    const s = new StickyComment(f.api, 1, 'default')
    const res = await s.write(commentText('mine'))
    expect(res.created).toBe(true)
    expect(f.comments.find((c) => c.id === theirs.id)?.body).toBe(`${MARK}\nfrom the default token`)
    expect(f.comments.find((c) => c.id === res.id)?.user?.login).toBe('my-app[bot]')
    // The create answer named the writer: the next write goes straight to its comment.
    f.calls.length = 0
    await s.write(commentText('later'))
    expect(f.calls).toEqual([`update:${res.id}`])
  })

  it('a second run with both Apps’ comments on the PR picks its own, without creating', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    f.seed(`${MARK}\nfrom the default token`, ACTIONS)
    await new StickyComment(f.api, 1, 'default').write(commentText('run 1'))
    f.calls.length = 0
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('run 2'))
    expect(res.created).toBe(false)
    expect(f.calls).not.toContain('create')
    expect(f.comments.map((c) => c.body)).toEqual([
      `${MARK}\nfrom the default token`,
      `${MARK}\nrun 2`
    ])
  })

  it('learns its login from the create answer and settles a race by it', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    const create = f.api.createComment.bind(f.api)
    f.api.createComment = async (issue, body) => {
      f.seed(`${MARK}\nracing run`) // another run of the same App got there first
      f.seed(`${MARK}\nplanted`, 'mallory')
      return create(issue, body)
    }
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('mine'))
    expect(res.deletedDuplicates).toBe(1)
    expect(f.comments.map((c) => [c.user?.login, c.body])).toEqual([
      ['my-app[bot]', `${MARK}\nmine`],
      ['mallory', `${MARK}\nplanted`]
    ])
  })
})

describe('StickyComment with an installation token whose create answer was lost', () => {
  it('finds what it sent, learns its login from it, and settles a race by it', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    const create = f.api.createComment.bind(f.api)
    f.api.createComment = async (issue, body) => {
      f.seed(`${MARK}\nplanted`, 'mallory')
      await create(issue, body) // GitHub acted…
      f.seed(`${MARK}\nracing run`) // …a racing run of the same App too…
      throw Object.assign(new Error('Bad Gateway'), { status: 502 }) // …and the answer was lost
    }
    const res = await new StickyComment(f.api, 1, 'default').write(commentText('mine'))
    expect(f.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(res.deletedDuplicates).toBe(1)
    expect(f.comments.map((c) => [c.user?.login, c.body])).toEqual([
      ['mallory', `${MARK}\nplanted`],
      ['my-app[bot]', `${MARK}\nmine`]
    ])
  })
})

describe('StickyComment when its comment is deleted', () => {
  it('forgets the id and creates a fresh comment, looking first', async () => {
    const f = fakeApi()
    const s = new StickyComment(f.api, 1, 'default')
    const first = await s.write(commentText('waiting'))
    f.remove(first.id)
    f.calls.length = 0
    const res = await s.write(commentText('finished'))
    expect(res).toMatchObject({ created: true })
    expect(res.id).not.toBe(first.id)
    expect(f.comments.map((c) => c.body)).toEqual([`${MARK}\nfinished`])
    expect(f.calls).toEqual([`update:${first.id}`, 'list', 'create', 'list'])
  })

  it('adopts the comment a racing run recreated instead of creating another', async () => {
    const f = fakeApi()
    const s = new StickyComment(f.api, 1, 'default')
    const first = await s.write(commentText('waiting'))
    f.remove(first.id)
    const other = f.seed(`${MARK}\nother run`)
    const res = await s.write(commentText('finished'))
    expect(res).toMatchObject({ id: other.id, created: false })
    expect(f.comments.map((c) => c.body)).toEqual([`${MARK}\nfinished`])
  })

  it('tries once more per write, not forever', async () => {
    const f = fakeApi()
    const s = new StickyComment(f.api, 1, 'default')
    await s.write(commentText('waiting'))
    // Listed but gone for edits: a stale listing, or a proxy that answers 404.
    f.api.updateComment = async (id) => {
      f.calls.push(`update:${id}`)
      throw Object.assign(new Error('Not Found'), { status: 404 })
    }
    f.calls.length = 0
    await expect(s.write(commentText('finished'))).rejects.toMatchObject({ status: 404 })
    expect(f.calls.filter((c) => c.startsWith('update'))).toHaveLength(2)
    expect(f.calls).not.toContain('create')
  })

  it('does not let go of its own comment when GitHub refuses the edit (a read-only token)', async () => {
    const f = fakeApi(MY_APP, INSTALLATION)
    const s = new StickyComment(f.api, 1, 'default')
    const first = await s.write(commentText('waiting'))
    f.api.updateComment = async () => {
      throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
    }
    await expect(s.write(commentText('finished'))).rejects.toMatchObject({ status: 403 })
    expect(f.calls.filter((c) => c === 'create')).toHaveLength(1)
    expect(f.comments.map((c) => c.id)).toEqual([first.id])
  })
})
