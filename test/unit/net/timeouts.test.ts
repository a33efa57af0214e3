import { describe, expect, it } from 'vitest'
import { requestTimeoutMs } from '../../../src/net/timeouts.ts'

describe('requestTimeoutMs', () => {
  it('reads DEVIN_HANDOFF_REQUEST_TIMEOUT_MS', () => {
    expect(requestTimeoutMs({ DEVIN_HANDOFF_REQUEST_TIMEOUT_MS: '250' })).toBe(250)
  })

  it('is 30 s when unset, not a number, or zero', () => {
    expect(requestTimeoutMs({})).toBe(30_000)
    expect(requestTimeoutMs({ DEVIN_HANDOFF_REQUEST_TIMEOUT_MS: 'soon' })).toBe(30_000)
    expect(requestTimeoutMs({ DEVIN_HANDOFF_REQUEST_TIMEOUT_MS: '0' })).toBe(30_000)
    expect(requestTimeoutMs({ DEVIN_HANDOFF_REQUEST_TIMEOUT_MS: '' })).toBe(30_000)
  })

  it('reads the process environment by default', () => {
    const saved = process.env.DEVIN_HANDOFF_REQUEST_TIMEOUT_MS
    process.env.DEVIN_HANDOFF_REQUEST_TIMEOUT_MS = '1234'
    try {
      expect(requestTimeoutMs()).toBe(1234)
    } finally {
      if (saved === undefined) delete process.env.DEVIN_HANDOFF_REQUEST_TIMEOUT_MS
      else process.env.DEVIN_HANDOFF_REQUEST_TIMEOUT_MS = saved
    }
  })
})
