import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { CANCEL_SIGNALS, watchForCancel } from '../../../src/lifecycle/signals.ts'

function setup() {
  const source = new EventEmitter()
  const exits: number[] = []
  const infos: string[] = []
  const warnings: string[] = []
  const log = { info: (m: string) => infos.push(m), warning: (m: string) => warnings.push(m) }
  return { source, exits, infos, warnings, log, exit: (c: number) => exits.push(c) }
}

describe('watchForCancel', () => {
  it('listens for SIGINT and SIGTERM, the signals the runner sends', () => {
    expect(CANCEL_SIGNALS).toEqual(['SIGINT', 'SIGTERM'])
    const s = setup()
    const w = watchForCancel(async () => undefined, s.log, { source: s.source, exit: s.exit })
    expect(s.source.listenerCount('SIGINT')).toBe(1)
    expect(s.source.listenerCount('SIGTERM')).toBe(1)
    expect(w.signal.aborted).toBe(false)
    w.dispose()
    expect(s.source.listenerCount('SIGINT')).toBe(0)
    expect(s.source.listenerCount('SIGTERM')).toBe(0)
  })

  it('after dispose, a signal finalizes nothing', () => {
    const s = setup()
    let calls = 0
    const w = watchForCancel(
      async () => {
        calls++
      },
      s.log,
      { source: s.source, exit: s.exit }
    )
    w.dispose()
    s.source.emit('SIGINT', 'SIGINT')
    expect(calls).toBe(0)
    expect(w.signal.aborted).toBe(false)
  })

  it('says what it does on the first signal and on later ones', async () => {
    const s = setup()
    const seen: string[] = []
    const w = watchForCancel(
      async (sig) => {
        seen.push(sig)
      },
      s.log,
      { source: s.source, exit: s.exit }
    )
    s.source.emit('SIGTERM', 'SIGTERM')
    s.source.emit('SIGINT', 'SIGINT')
    await w.done
    expect(seen).toEqual(['SIGTERM'])
    expect(s.infos).toEqual([
      'Received SIGTERM: the workflow is being cancelled; finalizing the Devin handoff.',
      'Received SIGINT again; still finalizing the cancelled run.'
    ])
    expect(s.exits).toEqual([1])
  })

  it('still exits 1 when finalizing fails, saying why', async () => {
    const s = setup()
    const w = watchForCancel(
      async () => {
        throw new Error('comment write refused')
      },
      s.log,
      { source: s.source, exit: s.exit }
    )
    s.source.emit('SIGINT', 'SIGINT')
    await w.done
    expect(s.warnings).toEqual(['Finalizing the cancelled run failed: comment write refused'])
    expect(s.exits).toEqual([1])
  })

  it('exits once at the deadline, not again when finalizing ends later', async () => {
    const s = setup()
    let finish: () => void = () => undefined
    const w = watchForCancel(() => new Promise<void>((r) => (finish = r)), s.log, {
      source: s.source,
      exit: s.exit,
      deadlineMs: 5
    })
    s.source.emit('SIGINT', 'SIGINT')
    await w.done
    expect(s.exits).toEqual([1])
    expect(s.warnings).toEqual([
      'Finalizing took longer than 5 ms; exiting without waiting for it.'
    ])
    finish()
    await new Promise((r) => setImmediate(r))
    expect(s.exits).toEqual([1])
  })

  it('keeps listening after a signal even if disposed, so later signals stay swallowed', async () => {
    const s = setup()
    const w = watchForCancel(async () => undefined, s.log, { source: s.source, exit: s.exit })
    s.source.emit('SIGINT', 'SIGINT')
    w.dispose()
    await w.done
    expect(s.source.listenerCount('SIGTERM')).toBe(1)
  })
})
