import { describe, expect, it } from 'vitest'
import { classify, describeStatus, isLive } from '../../../src/devin/status.ts'

describe('classify', () => {
  it.each([
    ['exit', null, true, 'finished'],
    ['error', null, true, 'error'],
    ['suspended', 'out_of_credits', true, 'suspended'],
    ['running', 'finished', true, 'finished'],
    ['running', 'waiting_for_user', true, 'needs-input'],
    ['running', 'waiting_for_approval', true, 'needs-input'],
    ['running', 'working', false, undefined],
    ['claimed', null, false, undefined]
  ])('%s/%s', (status, detail, stopped, result) => {
    const c = classify(status, detail)
    expect(c).toMatchObject({ stopped, known: true })
    expect(c.result).toBe(result)
  })

  it('keeps polling through unknown values and says they are unknown', () => {
    expect(classify('hibernating', null)).toEqual({ stopped: false, known: false })
    expect(classify('running', 'thinking_hard')).toEqual({ stopped: false, known: false })
  })

  it('knows which sessions can take a message', () => {
    expect(isLive('suspended', 'inactivity')).toBe(true)
    expect(isLive('suspended', 'payment_declined')).toBe(false)
    expect(isLive('exit', null)).toBe(false)
    expect(describeStatus('suspended', 'out_of_credits')).toMatch(/out of credits/)
  })
})
