import { describe, expect, it } from 'vitest'
import { COMMENT_GAP_MS, CommentThrottle } from '../../../src/lifecycle/throttle.ts'

function setup(gapMs?: number) {
  let t = 1_000_000
  let published = 0
  let release: (() => void) | undefined
  let hold = false
  const publish = (): Promise<void> => {
    published++
    if (!hold) return Promise.resolve()
    return new Promise<void>((resolve) => (release = resolve))
  }
  const throttle = new CommentThrottle(publish, () => t, gapMs)
  return {
    throttle,
    advance: (ms: number) => (t += ms),
    published: () => published,
    holdPublishes: () => (hold = true),
    release: () => release?.()
  }
}

describe('CommentThrottle', () => {
  it('waits 10 s by default after the comment written before the wait', async () => {
    expect(COMMENT_GAP_MS).toBe(10_000)
    const s = setup()
    s.throttle.request()
    expect(s.throttle.dueAt).toBe(1_000_000 + 10_000)
    s.advance(9_999)
    await s.throttle.flushIfDue()
    expect(s.published()).toBe(0)
    s.advance(1)
    await s.throttle.flushIfDue()
    expect(s.published()).toBe(1)
    expect(s.throttle.edits).toBe(1)
    expect(s.throttle.dueAt).toBeUndefined()
  })

  it('edits only when a change was asked for', async () => {
    const s = setup(100)
    s.advance(10_000)
    await s.throttle.flushIfDue()
    expect(s.published()).toBe(0)
    expect(s.throttle.dueAt).toBeUndefined()
  })

  it('folds many changes within the gap into one edit, the gap counted from the last edit', async () => {
    const s = setup(100)
    s.advance(100)
    s.throttle.request()
    await s.throttle.flushIfDue()
    expect(s.published()).toBe(1)
    for (let i = 0; i < 5; i++) {
      s.advance(10)
      s.throttle.request()
      await s.throttle.flushIfDue()
    }
    expect(s.published()).toBe(1)
    // Due 100 ms after the last edit, whatever came since.
    expect(s.throttle.dueAt).toBe(1_000_000 + 200)
    s.advance(50)
    await s.throttle.flushIfDue()
    expect(s.published()).toBe(2)
    expect(s.throttle.edits).toBe(2)
  })

  it('after stop makes no more edits and drops what was pending', async () => {
    const s = setup(100)
    s.throttle.request()
    await s.throttle.stop()
    expect(s.throttle.dueAt).toBeUndefined()
    s.throttle.request()
    s.advance(1000)
    expect(s.throttle.dueAt).toBeUndefined()
    await s.throttle.flushIfDue()
    expect(s.published()).toBe(0)
  })

  it('stop resolves only once the edit in flight is done', async () => {
    const s = setup(100)
    s.holdPublishes()
    s.advance(100)
    s.throttle.request()
    const flushing = s.throttle.flushIfDue()
    let stopped = false
    const stopping = s.throttle.stop().then(() => (stopped = true))
    await new Promise((r) => setImmediate(r))
    expect(stopped).toBe(false)
    s.release()
    await Promise.all([flushing, stopping])
    expect(stopped).toBe(true)
    expect(s.published()).toBe(1)
  })
})
