import { describe, expect, it } from 'vitest'
import { capBytes, capUnits } from '../../../src/egress/caps.ts'

const isWellFormed = (s: string): boolean => !/\p{Cs}/u.test(s) && !s.includes('\ufffd')

describe('capUnits', () => {
  it('never cuts a surrogate pair in two', () => {
    const text = `${'a'.repeat(9)}😀😀`
    for (let max = 8; max <= 13; max++) {
      const cut = capUnits(text, max, '…')
      expect(cut.length).toBeLessThanOrEqual(max)
      expect(isWellFormed(cut)).toBe(true)
    }
    expect(capUnits(text, 13)).toBe(text)
  })
})

describe('capBytes', () => {
  it('stays within the bytes, tail included, and never cuts a character', () => {
    const text = 'é€😀'.repeat(50)
    for (let max = 20; max <= 60; max++) {
      const cut = capBytes(text, max, '[cut]')
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max)
      expect(cut.endsWith('[cut]')).toBe(true)
      expect(isWellFormed(cut)).toBe(true)
      expect(text.startsWith(cut.slice(0, -5))).toBe(true)
    }
  })

  it('leaves text that fits alone', () => {
    expect(capBytes('héllo', 6)).toBe('héllo')
  })
})
