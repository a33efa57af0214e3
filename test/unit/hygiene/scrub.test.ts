import { describe, expect, it } from 'vitest'
import { errorText, scrub, scrubSecret, scrubUrls } from '../../../src/hygiene/scrub.ts'

describe('scrub', () => {
  it('scrubs every credential', () => {
    expect(
      scrub('key cog_abcdef and cog_abcdef again, token ghs_1234', ['cog_abcdef', 'ghs_1234'])
    ).toBe('key *** and *** again, token ***')
  })

  it('scrubs the encoded forms an echoed request carries, longest secret first', () => {
    const key = 'cog_a/b+c"d'
    expect(scrub(`${encodeURIComponent(key)} ${JSON.stringify(key)}`, [key])).toBe('*** "***"')
    expect(scrub('abcdefgh abcd', ['abcd', 'abcdefgh'])).toBe('*** ***')
    // Too short to scrub without destroying ordinary text.
    expect(scrub('a b c', ['abc', 'a'])).toBe('a b c')
  })

  it('scrubs bearer tokens and Devin keys it was not given', () => {
    expect(scrubSecret('k3y_value', 'Authorization: Bearer xyz.abc k3y_value cog_other_key')).toBe(
      'Authorization: Bearer *** *** cog_***'
    )
  })

  it('scrubs credentials embedded in URLs', () => {
    expect(scrubUrls("fatal: 'https://x-access-token:ghs_abc@github.com/o/r/'")).toBe(
      "fatal: 'https://***@github.com/o/r/'"
    )
  })

  it('reads the message of anything thrown', () => {
    expect(errorText(new Error('boom'))).toBe('boom')
    expect(errorText('plain')).toBe('plain')
  })
})
