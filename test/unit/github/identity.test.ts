import { describe, expect, it } from 'vitest'
import { appBotOf, pickOwn, writerFromSent } from '../../../src/github/identity.ts'
import type { IssueComment } from '../../../src/github/types.ts'

let next = 1
/** A marked comment as GitHub lists it; `app` is the slug in `performed_via_github_app`. */
function comment(
  login: string,
  o: { type?: 'Bot' | 'User'; app?: string | null; at?: string; updated?: string } = {}
): IssueComment {
  const id = next++
  const type = o.type ?? (login.endsWith('[bot]') ? 'Bot' : 'User')
  const app = o.app === undefined ? (type === 'Bot' ? login.replace(/\[bot\]$/, '') : null) : o.app
  return {
    id,
    body: '<!-- devin-handoff:default -->\n…',
    html_url: `u/${id}`,
    created_at: o.at ?? `2024-01-01T00:00:${String(id).padStart(2, '0')}Z`,
    updated_at: o.updated,
    user: { login, type },
    performed_via_github_app: app === null ? null : { id: 1, slug: app }
  }
}

describe('appBotOf', () => {
  it('names the App bot that wrote a comment as itself', () => {
    expect(appBotOf(comment('github-actions[bot]'))).toBe('github-actions[bot]')
    expect(appBotOf(comment('my-app[bot]'))).toBe('my-app[bot]')
    // Older comments may come without the App; the bot account alone is no person's.
    expect(appBotOf(comment('my-app[bot]', { app: null }))).toBe('my-app[bot]')
  })

  it('never names a person, even one writing through an App or named like a bot', () => {
    expect(appBotOf(comment('mallory'))).toBeUndefined()
    // A user-to-server token: the App acts, the person is the author.
    expect(appBotOf(comment('mallory', { app: 'my-app' }))).toBeUndefined()
    expect(appBotOf(comment('my-app[bot]', { type: 'User' }))).toBeUndefined()
    expect(appBotOf({ ...comment('x[bot]'), user: null })).toBeUndefined()
  })

  it('refuses a bot whose App is another: not a shape GitHub makes', () => {
    expect(appBotOf(comment('my-app[bot]', { app: 'other-app' }))).toBeUndefined()
    expect(appBotOf(comment('renovate', { type: 'Bot', app: 'renovate' }))).toBeUndefined()
  })
})

describe('pickOwn', () => {
  it('with a known login: that login only, oldest kept, the rest duplicates', () => {
    const older = comment('alice')
    const newer = comment('alice')
    const marked = [comment('mallory'), comment('github-actions[bot]'), newer, older]
    const pick = pickOwn(marked, 'ALICE')
    expect(pick).toMatchObject({ keep: older, duplicates: [newer], certain: true })
  })

  it('with a known bot login, a person who pasted the marker is ignored', () => {
    const mine = comment('my-app[bot]')
    const pick = pickOwn([comment('mallory', { app: 'my-app' }), mine], 'my-app[bot]')
    expect(pick).toMatchObject({ keep: mine, duplicates: [], certain: true })
  })

  it('with the writer unknown: only App bots, never a person, and the pick is not certain', () => {
    const human = [comment('mallory'), comment('eve', { app: 'my-app' })]
    expect(pickOwn(human, undefined)).toEqual({ keep: undefined, duplicates: [], certain: false })
    const first = comment('my-app[bot]')
    const second = comment('my-app[bot]')
    expect(pickOwn([...human, second, first], undefined)).toMatchObject({
      keep: first,
      duplicates: [second],
      certain: false
    })
  })

  it('with the writer unknown and several Apps: the most recently active first, the refused never', () => {
    const stale = comment('github-actions[bot]', { updated: '2024-01-01T00:00:00Z' })
    const live = comment('my-app[bot]', { updated: '2024-06-01T00:00:00Z' })
    const liveDup = comment('my-app[bot]', { updated: '2024-02-01T00:00:00Z' })
    const marked = [stale, live, liveDup]
    expect(pickOwn(marked, undefined)).toMatchObject({ keep: live, duplicates: [liveDup] })
    // Never mixes Apps: the other App's comment is no duplicate of ours.
    expect(pickOwn(marked, undefined).duplicates).not.toContain(stale)
    expect(pickOwn(marked, undefined, new Set(['my-app[bot]']))).toMatchObject({
      keep: stale,
      duplicates: []
    })
    expect(
      pickOwn(marked, undefined, new Set(['my-app[bot]', 'github-actions[bot]'])).keep
    ).toBeUndefined()
  })
})

describe('writerFromSent', () => {
  const sent = '<!-- devin-handoff:default -->\nupdated 2024-01-01T00:00:00.123Z'
  const withBody = (c: IssueComment, body: string): IssueComment => ({ ...c, body })

  it('names the App bot whose comment carries exactly the body that was sent', () => {
    const marked = [
      withBody(comment('other-app[bot]'), 'x'),
      withBody(comment('my-app[bot]'), sent)
    ]
    expect(writerFromSent(marked, sent, undefined)).toBe('my-app[bot]')
  })

  it('learns nothing from a person who copied the body, or from a near miss', () => {
    expect(writerFromSent([withBody(comment('mallory'), sent)], sent, undefined)).toBeUndefined()
    const near = withBody(comment('my-app[bot]'), `${sent} `)
    expect(writerFromSent([near], sent, undefined)).toBeUndefined()
  })

  it('keeps a writer already known', () => {
    const marked = [withBody(comment('my-app[bot]'), sent)]
    expect(writerFromSent(marked, sent, 'alice')).toBe('alice')
  })
})
