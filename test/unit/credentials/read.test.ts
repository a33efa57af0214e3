import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Credentials, devinKeyKind, readCredentials } from '../../../src/credentials/read.ts'
import { revealDevinKey, revealGithubToken } from '../../../src/credentials/reveal.ts'
import { seededRandom } from '../../helpers/fake-secrets.ts'

const rand = seededRandom(20240611)
const KEY = `cog_${rand(40)}`
const TOKEN = `ghs_${rand(36)}`

function read(values: Record<string, string>) {
  const masked: string[] = []
  const asked: string[] = []
  const handle = readCredentials(
    (name) => {
      asked.push(name)
      return values[name] ?? ''
    },
    (s) => masked.push(s)
  )
  return { handle, masked, asked }
}

describe('readCredentials', () => {
  it('reads api-key and github-token, trimmed, and masks both at once', () => {
    const { handle, masked, asked } = read({ 'api-key': `  ${KEY}\n`, 'github-token': TOKEN })
    expect(asked).toEqual(['api-key', 'github-token'])
    expect(masked).toEqual([KEY, TOKEN])
    expect(revealDevinKey(handle)).toBe(KEY)
    expect(revealGithubToken(handle)).toBe(TOKEN)
  })

  it('masks during the read, before the caller holds the handle', () => {
    const order: string[] = []
    const handle = readCredentials(
      (name) => (name === 'api-key' ? KEY : ''),
      (s) => order.push(`mask ${s === KEY ? 'key' : '?'}`)
    )
    order.push('handle')
    expect(order).toEqual(['mask key', 'handle'])
    expect(handle.hasGithubToken).toBe(false)
  })

  it('masks nothing that is empty, and says what is there', () => {
    const none = read({ 'api-key': '   ' })
    expect(none.masked).toEqual([])
    expect(none.handle.hasDevinKey).toBe(false)
    expect(none.handle.hasGithubToken).toBe(false)
    expect(revealDevinKey(none.handle)).toBe('')
    const keyOnly = read({ 'api-key': KEY })
    expect(keyOnly.masked).toEqual([KEY])
    expect(keyOnly.handle.hasDevinKey).toBe(true)
    expect(keyOnly.handle.hasGithubToken).toBe(false)
  })
})

describe('the Devin key kind', () => {
  it('tells a legacy v1/v2 key from any other, without the key', () => {
    expect(devinKeyKind('')).toBe('missing')
    expect(devinKeyKind(`apk_${rand(32)}`)).toBe('legacy')
    expect(devinKeyKind(`apk_user_${rand(32)}`)).toBe('legacy')
    expect(devinKeyKind(`APK_${rand(32)}`)).toBe('legacy')
    expect(devinKeyKind(KEY)).toBe('other')
    // Formats the action does not know are Devin's to judge, not the action's.
    expect(devinKeyKind(`dvn_${rand(32)}`)).toBe('other')
    expect(devinKeyKind(`x_apk_${rand(32)}`)).toBe('other')
  })

  it('is read from the handle as the key was read: trimmed', () => {
    const legacy = `apk_user_${rand(32)}`
    expect(read({ 'api-key': `  ${legacy}\n` }).handle.devinKeyKind).toBe('legacy')
    expect(read({ 'api-key': ' ' }).handle.devinKeyKind).toBe('missing')
    expect(read({ 'api-key': KEY }).handle.devinKeyKind).toBe('other')
  })
})

describe('the credentials handle', () => {
  const { handle } = read({ 'api-key': KEY, 'github-token': TOKEN })

  it('scrubs both credentials and their encoded forms from text', () => {
    const text = [
      `Authorization: Bearer ${KEY}`,
      `url=https://x.test/?t=${encodeURIComponent(TOKEN)}`,
      JSON.stringify({ token: TOKEN })
    ].join('\n')
    const out = handle.scrub(text)
    expect(out).not.toContain(KEY)
    expect(out).not.toContain(TOKEN)
    expect(out).toBe(
      ['Authorization: Bearer ***', 'url=https://x.test/?t=***', '{"token":"***"}'].join('\n')
    )
  })

  it('leaves text without credentials alone', () => {
    expect(handle.scrub('nothing to see: cog_ and ghs_')).toBe('nothing to see: cog_ and ghs_')
  })

  it('does not give the values away when printed, serialized or enumerated', () => {
    const shown = [
      JSON.stringify(handle),
      JSON.stringify({ handle }),
      inspect(handle, { showHidden: true, depth: 10, getters: true }),
      String(handle),
      `${Object.keys(handle)}`,
      `${Object.getOwnPropertyNames(handle)}`,
      `${Object.getOwnPropertySymbols(handle).length}`,
      JSON.stringify(Object.entries(handle)),
      JSON.stringify({ ...handle }),
      JSON.stringify(structuredClone(handle))
    ]
    for (const s of shown) {
      expect(s).not.toContain(KEY)
      expect(s).not.toContain(TOKEN)
    }
    expect(Object.keys(handle)).toEqual([])
    expect(JSON.stringify(handle)).toBe('{}')
  })

  it('a copy or a look-alike is not a handle: it holds nothing', () => {
    const copy = Object.assign(Object.create(Credentials.prototype) as Credentials, handle)
    expect(() => copy.hasDevinKey).toThrow(/not read with readCredentials/)
    expect(() => revealDevinKey(copy)).toThrow(/not read with readCredentials/)
    expect(() => revealGithubToken(structuredClone(handle))).toThrow(
      /not read with readCredentials/
    )
  })
})
