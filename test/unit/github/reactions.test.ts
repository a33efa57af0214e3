import { describe, expect, it } from 'vitest'
import type { GitHubApi } from '../../../src/github/client.ts'
import { react } from '../../../src/github/reactions.ts'

function setup(fail?: { on: 'make' | 'react'; err: unknown }) {
  const reacted: Array<[string, number, string]> = []
  const debug: string[] = []
  let made = 0
  const api = {
    react: async (kind: 'issue' | 'review', id: number, content: string) => {
      if (fail?.on === 'react') throw fail.err
      reacted.push([kind, id, content])
    }
  } as Partial<GitHubApi> as GitHubApi
  const github = async (): Promise<GitHubApi> => {
    made++
    if (fail?.on === 'make') throw fail.err
    return api
  }
  return { github, reacted, debug, log: { debug: (m: string) => debug.push(m) }, made: () => made }
}

describe('react', () => {
  it('reacts on the comment that triggered the run, of either kind', async () => {
    const s = setup()
    await react(s.github, { id: 11, kind: 'issue' }, 'eyes', s.log)
    await react(s.github, { id: 22, kind: 'review' }, 'rocket', s.log)
    expect(s.reacted).toEqual([
      ['issue', 11, 'eyes'],
      ['review', 22, 'rocket']
    ])
    expect(s.debug).toEqual([])
  })

  it('does nothing, not even make a client, without a comment', async () => {
    const s = setup()
    await react(s.github, undefined, 'confused', s.log)
    expect(s.made()).toBe(0)
    expect(s.reacted).toEqual([])
  })

  it('only logs a failed reaction for debugging', async () => {
    const s = setup({
      on: 'react',
      err: Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
    })
    await expect(react(s.github, { id: 1, kind: 'issue' }, 'eyes', s.log)).resolves.toBeUndefined()
    expect(s.debug).toEqual([
      'Could not add the eyes reaction: Resource not accessible by integration'
    ])
  })

  it('only logs when the client cannot even be made', async () => {
    const s = setup({ on: 'make', err: 'no token' })
    await react(s.github, { id: 1, kind: 'review' }, 'confused', s.log)
    expect(s.debug).toEqual(['Could not add the confused reaction: no token'])
  })
})
