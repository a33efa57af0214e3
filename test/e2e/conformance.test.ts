/**
 * End to end: what the built action sends and what it is answered are held to what GitHub and
 * Devin publish, over runs that touch every endpoint it uses. Every scenario's teardown fails on
 * a violation (test/helpers/scenario.ts); here that is shown to happen, and to name the drift.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ConformanceError } from '../emulators/conformance.ts'
import { prScenario, type PrScenario } from '../helpers/scenario.ts'

const open: PrScenario[] = []
afterEach(async () => {
  const results = await Promise.allSettled(open.splice(0).map((s) => s.close()))
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
})

async function scenario(): Promise<PrScenario> {
  const s = await prScenario({ prNumber: 12 })
  open.push(s)
  return s
}

const finished = [
  { status: 'claimed' },
  { status: 'running', status_detail: 'working', messages: [{ message: 'Looking.' }] },
  {
    status: 'running',
    status_detail: 'finished',
    acus_consumed: 1.5,
    messages: [{ message: 'Done.' }],
    pull_requests: [{ pr_url: 'https://github.com/acme/widgets/pull/13', pr_state: 'open' }],
    attachments: [{ name: 'report.md', content: '# ok', content_type: 'text/markdown' }]
  }
]

describe('conformance of a whole run', () => {
  it('create, wait with messages, attachments, sticky comment; then a re-run that reuses the session', async () => {
    const s = await scenario()
    s.devin.script(finished)
    const first = await s.run(
      { wait: 'true', 'poll-interval': '1', 'attachments-path': 'out' },
      { timeoutMs: 90_000 }
    )
    expect(first.code).toBe(0)
    expect(first.outputs.result).toBe('finished')
    const second = await s.run({ 'reuse-session': 'true' }, { timeoutMs: 90_000 })
    expect(second.outputs.result).toBe('reused')
    expect(s.github.violations).toEqual([])
    expect(s.devin.violations).toEqual([])
    // What was checked, so an empty list above means something.
    expect([...s.github.checked].sort()).toEqual(
      expect.arrayContaining([
        'issues/create-comment',
        'issues/list-comments',
        'issues/update-comment',
        'repos/get-collaborator-permission-level'
      ])
    )
    expect([...s.devin.checked].sort()).toEqual(
      expect.arrayContaining([
        '§1.4 create session',
        '§1.5 get session',
        '§1.7 list sessions',
        '§1.8 list messages',
        '§1.8 send message',
        '§1.9 list attachments'
      ])
    )
  })

  it('fails the teardown when an answer drifts from GitHub’s description, naming the field', async () => {
    const s = await prScenario({ prNumber: 12 })
    // The emulator "forgets" a required field of the comment it creates.
    s.github.alterAnswers({ method: 'POST', path: /\/issues\/12\/comments$/ }, (reply) => {
      const { node_id: _drop, ...rest } = reply.json as Record<string, unknown>
      return { ...reply, json: rest }
    })
    s.devin.script([{ status: 'running', status_detail: 'working' }])
    const r = await s.run()
    expect(r.outputs.result).toBe('created')
    const closing = s.close()
    await expect(closing).rejects.toThrow(
      /GitHub answer POST \/repos\/acme\/widgets\/issues\/12\/comments → 201 \(issues\/create-comment\): body must have required property 'node_id'/
    )
    expect(((await closing.catch((e: unknown) => e)) as ConformanceError).name).toBe(
      'ConformanceError'
    )
  })
})
