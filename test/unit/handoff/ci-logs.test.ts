/**
 * The failed jobs' log tails: one budget for all jobs, split fairly, cut at line starts and
 * character boundaries, cleaned of timestamps and binary, and never choking on huge lines. The
 * planted credential goes through the real screen afterwards, as the caller will send it.
 */
import { describe, expect, it } from 'vitest'
import {
  afterPartialLine,
  cleanLog,
  cleanStart,
  failedSteps,
  fairShares,
  tailLogs,
  type CiJobLog
} from '../../../src/handoff/ci-logs.ts'
import { screenTexts } from '../../../src/hygiene/secret-screen.ts'

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const bytesOf = (s: string): number => Buffer.byteLength(s)
const lines = (prefix: string, n: number): string =>
  Array.from({ length: n }, (_, i) => `${prefix} line ${i + 1}\n`).join('')

function job(name: string, log: string | Uint8Array, extra: Partial<CiJobLog> = {}): CiJobLog {
  return {
    id: name.length,
    name,
    steps: [],
    log: typeof log === 'string' ? enc(log) : log,
    cutBefore: false,
    ...extra
  }
}

describe('fairShares', () => {
  it('splits equally, and a short log gives what it does not need to the others', () => {
    expect(fairShares([1000, 1000, 1000], 300)).toEqual([100, 100, 100])
    expect(fairShares([10, 1000, 1000], 300)).toEqual([10, 145, 145])
    expect(fairShares([10, 20, 5000], 300)).toEqual([10, 20, 270])
    expect(fairShares([10, 20], 300)).toEqual([10, 20])
    expect(fairShares([], 300)).toEqual([])
    expect(fairShares([5, 5], 0)).toEqual([0, 0])
  })

  it('never hands out more than the budget', () => {
    for (const sizes of [
      [7, 7, 7],
      [1, 2, 3, 1000, 999],
      [333, 334, 335]
    ]) {
      for (const budget of [0, 1, 10, 100, 1001]) {
        const shares = fairShares(sizes, budget)
        expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(budget)
        shares.forEach((s, i) => expect(s).toBeLessThanOrEqual(sizes[i] ?? 0))
      }
    }
  })
})

describe('cleanStart and afterPartialLine', () => {
  it('starts at the next line, or at the cut when a line starts there', () => {
    const b = enc('abc\ndef\nghi\n')
    expect(cleanStart(b, 0)).toBe(0)
    expect(cleanStart(b, 4)).toBe(4)
    expect(cleanStart(b, 5)).toBe(8)
    expect(afterPartialLine(b, 0)).toBe(4)
  })

  it('within one huge line, starts at a whole character, never inside one', () => {
    const b = enc('é'.repeat(100))
    expect(cleanStart(b, 51)).toBe(52)
    expect(cleanStart(b, 50)).toBe(50)
    expect(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(cleanStart(b, 51)))).toBe(
      'é'.repeat(74)
    )
  })
})

describe('cleanLog', () => {
  it('drops GitHub timestamps, colours and CRs; shows binary and bad UTF-8 as ?', () => {
    const raw = Buffer.concat([
      Buffer.from('2024-05-01T12:00:00.1234567Z ##[group]Run npm test\r\n'),
      Buffer.from('2024-05-01T12:00:01.0000000Z \x1b[31;1mFAIL\x1b[0m a.test.ts\n'),
      Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0a]),
      Buffer.from('tail 2024-05-01T12:00:00Z stays\n')
    ])
    expect(cleanLog(raw)).toBe(
      '##[group]Run npm test\nFAIL a.test.ts\n????\ntail 2024-05-01T12:00:00Z stays\n'
    )
  })

  it('is never longer in UTF-8 than the bytes it came from', () => {
    const noise = Buffer.alloc(4096)
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 131 + 17) % 256
    expect(bytesOf(cleanLog(noise))).toBeLessThanOrEqual(noise.length)
  })
})

describe('failedSteps', () => {
  it('names the steps that failed or timed out, not the skipped or cancelled ones', () => {
    const steps = [
      { name: 'Set up job', number: 1, conclusion: 'success' },
      { name: 'Run tests', number: 4, conclusion: 'failure' },
      { name: 'Lint', number: 5, conclusion: 'timed_out' },
      { name: 'Upload', number: 6, conclusion: 'skipped' },
      { name: 'Post', number: 7, conclusion: null }
    ]
    expect(failedSteps(steps).map((s) => s.number)).toEqual([4, 5])
  })
})

describe('tailLogs', () => {
  it('keeps whole short logs, and the ends of long ones from a line start, within one budget', () => {
    const short = lines('short', 3)
    const long = lines('long', 2000)
    const out = tailLogs([job('unit', long), job('lint', short)], 1000)
    expect(out[1]).toMatchObject({ text: short, cutBefore: false })
    const tail = out[0]?.text ?? ''
    expect(tail.endsWith('long line 2000\n')).toBe(true)
    expect(tail.startsWith('long line ')).toBe(true)
    expect(out[0]?.cutBefore).toBe(true)
    // The short log's unused share went to the long one.
    expect(bytesOf(tail)).toBeGreaterThan(1000 - bytesOf(short) - 'long line 2000\n'.length)
    expect(out.reduce((n, t) => n + t.bytes, 0)).toBeLessThanOrEqual(1000)
    out.forEach((t) => expect(t.bytes).toBe(bytesOf(t.text)))
  })

  it('drops the partial first line of a log whose download kept only its end', () => {
    const [t] = tailLogs([job('unit', 'ne 7\nline 8\nline 9\n', { cutBefore: true })], 1000)
    expect(t).toMatchObject({ text: 'line 8\nline 9\n', cutBefore: true })
  })

  it('measures the budget after cleaning, so timestamps cost nothing', () => {
    const stamped = Array.from(
      { length: 50 },
      (_, i) => `2024-05-01T12:00:00.0000000Z step ${i}\n`
    ).join('')
    expect(bytesOf(stamped)).toBeGreaterThan(1800)
    // 390 bytes once the stamps are gone: the whole log fits in 400.
    const [t] = tailLogs([job('unit', stamped)], 400)
    expect(t).toMatchObject({ bytes: 390, cutBefore: false })
    expect(t?.text).toBe(Array.from({ length: 50 }, (_, i) => `step ${i}\n`).join(''))
  })

  it('takes a huge single line and binary without choking, and returns valid UTF-8', () => {
    const huge = Buffer.concat([
      Buffer.from('€'.repeat(2_000_000)),
      Buffer.from([0xe2, 0x82]), // a character cut short by the end of the download
      Buffer.alloc(1_000_000, 0xff)
    ])
    const out = tailLogs([job('bin', huge, { cutBefore: true }), job('euro', huge)], 10_001)
    for (const t of out) {
      expect(t.bytes).toBeLessThanOrEqual(5001)
      expect(t.bytes).toBeGreaterThan(4990)
      expect(Buffer.from(t.text).toString('utf8')).toBe(t.text)
      expect(t.text).not.toContain('\ufffd')
    }
  })

  it('gives nothing with a zero budget, and names the failed steps anyway', () => {
    const steps = [{ name: 'Run tests', number: 3, conclusion: 'failure' }]
    const [t] = tailLogs([job('unit', lines('x', 10), { steps })], 0)
    expect(t).toMatchObject({ text: '', bytes: 0, failedSteps: steps })
  })

  it('keeps a planted token whole for the screen, which redacts it', async () => {
    const token = `ghp_${'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'}`
    const log = `${lines('build', 500)}Error: push rejected for https://x:${token}@github.com\n`
    const [t] = tailLogs([job('deploy', log)], 400)
    expect(t?.text).toContain(token)
    const warnings: string[] = []
    const { texts, redactions } = await screenTexts(
      [{ text: t?.text ?? '', where: (n) => `log:${n}`, warning: (l) => l }],
      'redact',
      { warning: (m: string) => warnings.push(m) }
    )
    expect(texts[0]).not.toContain(token)
    expect(redactions.length).toBeGreaterThan(0)
  })
})
