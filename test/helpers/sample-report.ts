/**
 * The report behind the README's sample comment: a session a comment asked for, finished with
 * two PRs and closing words. test/unit/readme.test.ts renders it with the action's renderer and
 * holds the README's sample to what it prints.
 */
import type { Report } from '../../src/state/run-state.ts'

const T0 = Date.UTC(2026, 10, 29, 14, 2, 11)

export const SAMPLE_REPORT: Report = {
  phase: 'ended',
  result: 'finished',
  slug: 'acme/app',
  prNumber: 42,
  headRef: 'fix/date-tests',
  startedAt: T0,
  updatedAt: T0 + 723_000,
  runUrl: 'https://github.com/acme/app/actions/runs/15012345678',
  commentKey: 'default',
  timeline: [
    { at: T0 + 3_000, text: 'session created (new)' },
    { at: T0 + 41_000, text: 'running/working: Devin is working' },
    { at: T0 + 655_000, text: 'opened https://github.com/acme/app/pull/45' },
    { at: T0 + 723_000, text: 'running/finished: Devin finished' }
  ],
  attachments: [],
  session: {
    id: 'devin-5f2c9a0e7b1d4c3a',
    url: 'https://app.devin.ai/sessions/5f2c9a0e7b1d4c3a',
    status: 'running',
    detail: 'finished',
    title: 'acme/app#42: make the date tests pass',
    acus: 4.2,
    pullRequests: ['https://github.com/acme/app/pull/45', 'https://github.com/acme/app/pull/46']
  },
  handoff: {
    promptBytes: 18_432,
    files: 6,
    source: 'git',
    truncated: false,
    omitted: 0,
    redactions: 0
  },
  wait: { startedAt: T0 + 3_000, endedAt: T0 + 723_000, polls: 24 },
  requestedBy: { login: 'octocat', text: 'please make the date tests pass' },
  lastMessage: [
    'I fixed both flaky tests and opened two PRs:',
    '',
    '- #45 waits for the mock server instead of sleeping',
    '- #46 pins the clock in date.test.ts',
    '',
    'All 212 tests pass locally. Say so if you want them as one PR.'
  ].join('\n')
}
