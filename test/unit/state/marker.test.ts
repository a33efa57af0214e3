import { describe, expect, it } from 'vitest'
import {
  decodeState,
  encodeState,
  MAX_STATE_CHARS,
  STATE_PREFIX
} from '../../../src/state/marker.ts'
import type { Report } from '../../../src/state/run-state.ts'

const report: Report = {
  phase: 'ended',
  result: 'needs-input',
  slug: 'acme/app',
  prNumber: 12,
  headRef: 'fix/tests',
  startedAt: 1_700_000_000_000,
  updatedAt: 1_700_000_600_000,
  runUrl: 'https://github.com/acme/app/actions/runs/9',
  commentKey: 'default',
  timeline: [{ at: 1_700_000_001_000, text: 'session created (new)' }],
  attachments: ['devin-out/summary.md'],
  session: {
    id: 'devin-1',
    url: 'https://app.devin.ai/sessions/devin-1',
    status: 'running',
    detail: 'waiting_for_user',
    title: 'acme/app#12',
    acus: 2.5,
    pullRequests: ['https://github.com/acme/app/pull/13'],
    structuredOutput: { big: 'x'.repeat(50_000) }
  },
  handoff: {
    promptBytes: 10,
    files: 1,
    source: 'git',
    truncated: false,
    omitted: 0,
    redactions: 0,
    since: 'c'.repeat(40)
  },
  handedOff: { sessionId: 'devin-1', headSha: 'd'.repeat(40) },
  wait: { startedAt: 1_700_000_000_500, endedAt: 1_700_000_600_000, polls: 12 },
  requestedBy: { login: 'octocat', text: 'make the tests pass' },
  lastMessage: 'Which database should I use?\nPostgres or SQLite?',
  checkRunUrl: 'https://github.com/acme/app/runs/5',
  syncedAt: 1_700_000_700_000,
  note: 'a note',
  pending: { orgId: 'org-1', runTag: 'run:1' }
}

const hand = (over: Record<string, unknown>): Record<string, unknown> => ({
  sessionId: 'devin-1',
  headSha: 'd'.repeat(40),
  ...over
})
const body = (state: string): string => `<!-- devin-handoff:default -->\n**✅ Finished**\n${state}`
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const forged = (value: unknown): string => body(`${STATE_PREFIX}${b64(value)} -->`)

/** The report as the state keeps it: no structured output, no pending start. */
function kept(r: Report): Report {
  const { pending: _p, ...rest } = structuredClone(r)
  const { structuredOutput: _so, ...session } = rest.session ?? ({} as never)
  return { ...rest, session }
}

describe('encodeState / decodeState', () => {
  it('round-trips the report without structured output or a pending start', () => {
    const line = encodeState(report)
    expect(line).toMatch(/^<!-- devin-handoff-state:[A-Za-z0-9_-]+ -->$/)
    expect(line.length).toBeLessThan(2_000)
    expect(decodeState(body(line))).toEqual(kept(report))
  })

  it('round-trips a review report: its mode, the review and the check run id', () => {
    const r: Report = {
      ...kept(report),
      mode: 'review',
      review: {
        prUrl: 'https://github.com/acme/app/pull/12',
        commitSha: 'a'.repeat(40),
        status: 'running',
        createdAt: '2026-11-29T10:00:00Z'
      },
      checkRunId: 77
    }
    expect(decodeState(body(encodeState(r)))).toEqual(r)
  })

  it('round-trips a minimal report, with no optional field made up', () => {
    const min: Report = {
      phase: 'deciding',
      slug: 'a/b',
      startedAt: 0,
      updatedAt: 0,
      runUrl: '',
      commentKey: 'k',
      timeline: [],
      attachments: []
    }
    expect(decodeState(body(encodeState(min)))).toStrictEqual(min)
  })

  it('keeps the last 10 timeline entries and 2,000 characters of the message', () => {
    const long: Report = {
      ...report,
      timeline: Array.from({ length: 30 }, (_, i) => ({ at: i, text: `e${i}` })),
      lastMessage: '😀'.repeat(3_000)
    }
    const back = decodeState(body(encodeState(long)))
    expect(back?.timeline.map((t) => t.text)).toEqual(
      Array.from({ length: 10 }, (_, i) => `e${i + 20}`)
    )
    expect(back?.lastMessage).toBe('😀'.repeat(1_000))
  })

  it('scrubs credentials out of every string, where the gate cannot see them', () => {
    const secret = 'hunter2-secret-value'
    const r: Report = {
      ...report,
      lastMessage: `the key is ${secret} and Bearer abc.def and cog_abcdefgh`,
      error: `failed with ${secret}`
    }
    const line = encodeState(r, (t) => t.split(secret).join('***'))
    const back = decodeState(body(line))
    expect(JSON.stringify(back)).not.toContain(secret)
    expect(back?.lastMessage).toBe('the key is *** and Bearer *** and cog_***')
    expect(back?.error).toBe('failed with ***')
  })

  it('fits a huge report in 8 KB: timeline, then message, then every text shortened', () => {
    const huge = (n: number): string => '\u0001"\\ü漢😀'.repeat(n)
    const r: Report = {
      ...report,
      timeline: Array.from({ length: 30 }, (_, i) => ({ at: i, text: huge(100) })),
      lastMessage: huge(5_000),
      note: huge(5_000),
      error: huge(5_000),
      skipReason: huge(5_000),
      headRef: huge(5_000),
      runUrl: huge(5_000),
      commentUrl: huge(5_000),
      checkRunUrl: huge(5_000),
      requestedBy: { login: huge(500), text: huge(5_000) },
      attachments: Array.from({ length: 500 }, () => huge(100)),
      session: {
        ...(report.session as NonNullable<Report['session']>),
        title: huge(5_000),
        url: huge(5_000),
        pullRequests: Array.from({ length: 500 }, () => huge(100))
      }
    }
    const line = encodeState(r)
    expect(line.length).toBeLessThanOrEqual(MAX_STATE_CHARS)
    const back = decodeState(body(line))
    expect(back?.phase).toBe('ended')
    expect(back?.slug).toBe('acme/app')
    expect(back?.prNumber).toBe(12)
    expect(back?.timeline).toEqual([])
    expect(back?.lastMessage).toBeUndefined()

    // Only the timeline too big: the message stays.
    const timelineOnly: Report = {
      ...report,
      timeline: Array.from({ length: 10 }, (_, i) => ({ at: i, text: 'x'.repeat(5_000) }))
    }
    const t = decodeState(body(encodeState(timelineOnly)))
    expect(t?.timeline.length).toBeGreaterThan(0)
    expect(t?.lastMessage).toBe(report.lastMessage)
    // With its timeline it is over 8 KB, without it under: the message stays.
    const noRoom: Report = { ...report, note: 'n'.repeat(500), error: 'e'.repeat(500) }
    noRoom.timeline = Array.from({ length: 10 }, () => ({ at: 0, text: 'x'.repeat(200) }))
    noRoom.lastMessage = 'm'.repeat(2_000)
    noRoom.attachments = Array.from({ length: 5 }, () => 'a'.repeat(200))
    const dropped = decodeState(body(encodeState(noRoom)))
    expect(dropped?.timeline).toEqual([])
    expect(dropped?.lastMessage).toBe('m'.repeat(2_000))
  })

  it('reads only the last line, and only the exact line', () => {
    const line = encodeState(report)
    expect(decodeState(`${body(line)}\n`)).toBeDefined()
    expect(decodeState(`${body(line)}\nmore text`)).toBeUndefined()
    expect(decodeState(`${line} `.trimEnd() + 'x')).toBeUndefined()
    expect(decodeState(` ${line}`)).toBeUndefined()
  })

  const line = (payload: string): string => body(`${STATE_PREFIX}${payload} -->`)
  it.each([
    ['an empty body', ''],
    ['no state line', '<!-- devin-handoff:default -->\nhello'],
    ['not base64url', line('abc+/=')],
    ['`-->` inside', line(`${b64({ v: 1 })}-->${b64({ v: 1 })}`)],
    ['not JSON', line(Buffer.from('{"v":1,').toString('base64url'))],
    ['bytes that are not UTF-8', line(Buffer.from([0xff, 0xfe]).toString('base64url'))],
    ['a JSON string', forged('hello')],
    ['an array', forged([1, 2])],
    ['null', forged(null)],
    ['no version', forged({ report: kept(report) })],
    ['version 0', forged({ v: 0, report: kept(report) })],
    ['a version that is a string', forged({ v: '1', report: kept(report) })],
    ['no report', forged({ v: 1 })],
    ['a huge line', line('A'.repeat(1_000_000))]
  ])('refuses %s', (_, text) => {
    expect(decodeState(text)).toBeUndefined()
  })

  const bad: Array<[string, (r: Record<string, unknown>) => void]> = [
    ['an unknown phase', (r) => (r.phase = 'hacked')],
    ['an unknown result', (r) => (r.result = 'owned')],
    ['a slug that is a number', (r) => (r.slug = 42)],
    ['no slug', (r) => delete r.slug],
    ['startedAt as a string', (r) => (r.startedAt = '0')],
    ['updatedAt not finite', (r) => (r.updatedAt = 'Infinity')],
    ['a PR number 0', (r) => (r.prNumber = 0)],
    ['a fractional PR number', (r) => (r.prNumber = 1.5)],
    ['a timeline that is an object', (r) => (r.timeline = {})],
    ['a timeline entry without time', (r) => (r.timeline = [{ text: 'x' }])],
    ['attachments of numbers', (r) => (r.attachments = [1])],
    ['a session without URL', (r) => delete (r.session as Record<string, unknown>).url],
    ['PR URLs as a string', (r) => ((r.session as Record<string, unknown>).pullRequests = 'x')],
    ['ACUs as a string', (r) => ((r.session as Record<string, unknown>).acus = '1')],
    ['a negative poll count', (r) => ((r.wait as Record<string, unknown>).polls = -1)],
    ['cancelled as a string', (r) => (r.cancelled = 'true')],
    ['requestedBy without login', (r) => (r.requestedBy = { text: 'x' })],
    ['lastMessage as an object', (r) => (r.lastMessage = { toString: 'x' })],
    ['handoff without files', (r) => delete (r.handoff as Record<string, unknown>).files],
    ['an unknown mode', (r) => (r.mode = 'handoff')],
    ['a review without its commit', (r) => (r.review = { prUrl: 'u', status: 'running' })],
    [
      'a review status that is a number',
      (r) => (r.review = { prUrl: 'u', commitSha: 'a', status: 1 })
    ],
    ['a check run id 0', (r) => (r.checkRunId = 0)],
    ['a check run id as a string', (r) => (r.checkRunId = '5')],
    [
      'a head handed off that is an option',
      (r) => (r.handedOff = hand({ headSha: '--upload-pack=x' }))
    ],
    ['a short head handed off', (r) => (r.handedOff = hand({ headSha: 'd'.repeat(39) }))],
    ['an upper-case head handed off', (r) => (r.handedOff = hand({ headSha: 'D'.repeat(40) }))],
    ['a 64-hex head handed off', (r) => (r.handedOff = hand({ headSha: 'd'.repeat(64) }))],
    [
      'a head handed off with a line break',
      (r) => (r.handedOff = hand({ headSha: `${'d'.repeat(40)}\n` }))
    ],
    ['no head handed off', (r) => (r.handedOff = { sessionId: 'devin-1' })],
    [
      'a session handed off to that is a path',
      (r) => (r.handedOff = hand({ sessionId: 'devin-1/../../x' }))
    ],
    ['a session handed off to without devin-', (r) => (r.handedOff = hand({ sessionId: 'abc' }))],
    [
      'a session handed off to with a key shape',
      (r) => (r.handedOff = hand({ sessionId: 'devin-cog_abcdefgh' }))
    ],
    [
      'a huge session handed off to',
      (r) => (r.handedOff = hand({ sessionId: `devin-${'a'.repeat(101)}` }))
    ],
    ['a session handed off to as a number', (r) => (r.handedOff = hand({ sessionId: 1 }))],
    ['handedOff as a string', (r) => (r.handedOff = 'devin-1')],
    ['a handoff since an option', (r) => ((r.handoff as Record<string, unknown>).since = '-x')],
    [
      'a handoff since a short id',
      (r) => ((r.handoff as Record<string, unknown>).since = 'abc1234')
    ]
  ]
  it.each(bad)('refuses a report with %s', (_, spoil) => {
    const r = JSON.parse(JSON.stringify(kept(report))) as Record<string, unknown>
    expect(decodeState(forged({ v: 1, report: r }))).toBeDefined()
    spoil(r)
    expect(decodeState(forged({ v: 1, report: r }))).toBeUndefined()
  })

  it('reads a later version, keeping the fields it knows and dropping the rest', () => {
    const r = { ...kept(report), futureField: { x: 1 } }
    const back = decodeState(forged({ v: 2, report: r, more: true }))
    expect(back).toEqual(kept(report))
    expect(back).not.toHaveProperty('futureField')
  })

  it('drops fields it does not know, even a forged pending start', () => {
    const r = { ...kept(report), pending: { orgId: 'evil', runTag: 'x' }, __proto__: { a: 1 } }
    const back = decodeState(forged({ v: 1, report: r }))
    expect(back).toEqual(kept(report))
    expect(back?.pending).toBeUndefined()
  })
})

describe('what was handed off', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567'

  it('round-trips the session and head commit, and the commit an increment started from', () => {
    const r: Report = {
      ...kept(report),
      handedOff: { sessionId: 'devin-5f2c9a0e7b1d4c3a', headSha: sha },
      handoff: { ...(report.handoff as NonNullable<Report['handoff']>), since: sha }
    }
    const back = decodeState(body(encodeState(r)))
    expect(back?.handedOff).toEqual({ sessionId: 'devin-5f2c9a0e7b1d4c3a', headSha: sha })
    expect(back?.handoff?.since).toBe(sha)
  })

  it('keeps them whole when every other text has to be shortened to fit', () => {
    const r: Report = {
      ...kept(report),
      note: '漢😀'.repeat(5_000),
      error: '漢😀'.repeat(5_000),
      skipReason: '漢😀'.repeat(5_000),
      commentUrl: '漢😀'.repeat(5_000),
      attachments: Array.from({ length: 20 }, () => '漢😀'.repeat(500)),
      headRef: '漢😀'.repeat(5_000),
      checkRunUrl: '漢😀'.repeat(5_000),
      requestedBy: { login: 'octocat', text: '漢😀'.repeat(5_000) },
      handedOff: { sessionId: `devin-${'a'.repeat(100)}`, headSha: sha }
    }
    const line = encodeState(r)
    expect(line.length).toBeLessThanOrEqual(MAX_STATE_CHARS)
    const back = decodeState(body(line))
    expect(back?.note?.length).toBeLessThanOrEqual(40)
    expect(back?.handedOff).toEqual(r.handedOff)
  })

  it('never writes a value the reader would refuse: a bad one loses only that field', () => {
    const r: Report = {
      ...kept(report),
      handedOff: { sessionId: 'devin-1', headSha: '--upload-pack=touch /tmp/x' },
      handoff: { ...(report.handoff as NonNullable<Report['handoff']>), since: 'HEAD~3' }
    }
    const back = decodeState(body(encodeState(r)))
    expect(back).toBeDefined()
    expect(back).not.toHaveProperty('handedOff')
    expect(back?.handoff).toBeDefined()
    expect(back?.handoff).not.toHaveProperty('since')
    const key = encodeState(
      { ...kept(report), handedOff: { sessionId: 'devin-hunter2', headSha: sha } },
      (t) => t.split('hunter2').join('***')
    )
    expect(decodeState(body(key))?.handedOff).toBeUndefined()
  })

  it('reads a report without them as before (a comment an older version wrote)', () => {
    const { handedOff: _h, ...old } = kept(report)
    const { since: _s, ...handoff } = old.handoff as NonNullable<Report['handoff']>
    const back = decodeState(forged({ v: 1, report: { ...old, handoff } }))
    expect(back).toEqual({ ...old, handoff })
  })
})
