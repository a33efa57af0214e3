import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  isIdempotentMethod,
  isRetryableStatus,
  parseRetryAfter,
  retryWait
} from '../../../src/devin/retry.ts'

const NOW = Date.parse('2025-01-01T00:00:00Z')

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000)
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0)
    expect(parseRetryAfter('1.5', NOW)).toBe(1500)
  })

  it('reads an HTTP-date relative to now, clamping past dates to 0', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', NOW)).toBe(30_000)
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', NOW)).toBe(0)
  })

  it('takes the first value of a repeated header', () => {
    expect(parseRetryAfter(['3', '9'], NOW)).toBe(3000)
  })

  it('returns undefined for absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined()
    expect(parseRetryAfter(null, NOW)).toBeUndefined()
    expect(parseRetryAfter('', NOW)).toBeUndefined()
    expect(parseRetryAfter('-5', NOW)).toBeUndefined()
    expect(parseRetryAfter('5m', NOW)).toBeUndefined()
    expect(parseRetryAfter('soon', NOW)).toBeUndefined()
  })
})

describe('backoffDelay', () => {
  const opts = (r: number) => ({ baseMs: 1000, capMs: 60_000, random: () => r })

  it('grows exponentially with full jitter', () => {
    expect(backoffDelay(1, opts(0.5))).toBe(500)
    expect(backoffDelay(2, opts(0.5))).toBe(1000)
    expect(backoffDelay(3, opts(0.5))).toBe(2000)
    expect(backoffDelay(4, opts(0.999))).toBe(7992)
    expect(backoffDelay(3, opts(0))).toBe(0)
  })

  it('never exceeds the cap, even for huge attempt numbers', () => {
    expect(backoffDelay(10, opts(0.999))).toBe(59_940)
    expect(backoffDelay(10_000, opts(0.999))).toBe(59_940)
    expect(Number.isFinite(backoffDelay(10_000, opts(1)))).toBe(true)
  })

  it('clamps a misbehaving random source', () => {
    expect(backoffDelay(1, opts(-3))).toBe(0)
    expect(backoffDelay(1, opts(7))).toBe(1000)
  })
})

describe('retryWait', () => {
  const opts = { baseMs: 1000, capMs: 60_000, random: () => 0.5 }

  it('prefers Retry-After and caps it', () => {
    expect(retryWait(1, 7000, opts)).toBe(7000)
    expect(retryWait(1, 3_600_000, opts)).toBe(60_000)
    expect(retryWait(1, 0, opts)).toBe(0)
  })

  it('falls back to backoff without Retry-After', () => {
    expect(retryWait(3, undefined, opts)).toBe(2000)
  })
})

describe('isRetryableStatus', () => {
  it('retries 429 for every method', () => {
    for (const m of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      expect(isRetryableStatus(m, 429)).toBe(true)
    }
  })

  it('retries 5xx and 408 only for idempotent methods', () => {
    for (const s of [500, 502, 503, 504, 408]) {
      expect(isRetryableStatus('GET', s)).toBe(true)
      expect(isRetryableStatus('delete', s)).toBe(true)
      expect(isRetryableStatus('PUT', s)).toBe(true)
      expect(isRetryableStatus('POST', s)).toBe(false)
      expect(isRetryableStatus('PATCH', s)).toBe(false)
    }
  })

  it('does not retry client errors or permanent server errors', () => {
    for (const s of [400, 401, 403, 404, 409, 422, 501, 505, 200, 307]) {
      expect(isRetryableStatus('GET', s)).toBe(false)
    }
  })

  it('knows which methods are idempotent', () => {
    expect(isIdempotentMethod('get')).toBe(true)
    expect(isIdempotentMethod('POST')).toBe(false)
  })
})
