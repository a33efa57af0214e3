import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DevinClient } from '../../../src/devin/client.ts'
import { parseSession, type DevinAttachment, type DevinSession } from '../../../src/devin/types.ts'
import { follow } from '../../../src/lifecycle/follow.ts'
import type { RunContext } from '../../../src/run/context.ts'
import { readInputs } from '../../../src/run/inputs.ts'
import { RunState } from '../../../src/state/run-state.ts'
import { recordingLog } from '../../helpers/log.ts'
import { EMPTY_HANDOFF } from '../../helpers/run-state.ts'

const dirs: string[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

function session(status: string): DevinSession {
  const s = parseSession({ session_id: 'devin-f', status, url: 'https://x.test/s/f' })
  if (!s) throw new Error('fixture')
  return s
}

/** Devin that has finished by the first poll, with one attachment. */
function fakeDevin(calls: string[]): DevinClient {
  const attachment: DevinAttachment = {
    attachment_id: 'a1',
    name: 'report.md',
    source: 'devin',
    url: 'https://x.test/a1/report.md',
    content_type: 'text/markdown',
    raw: {}
  }
  const devin = {
    getSession: async () => {
      calls.push('get')
      return session('exit')
    },
    listMessages: async () => {
      calls.push('messages')
      return { items: [], endCursor: null, hasNextPage: false, total: 0 }
    },
    listAttachments: async () => {
      calls.push('attachments')
      return [attachment]
    },
    download: async () => {
      calls.push('download')
      return Buffer.from('# Report\n')
    }
  }
  return devin as Partial<DevinClient> as DevinClient
}

describe('follow', () => {
  it('shows the run as waiting first, then follows the session to its end', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const workspace = await mkdtemp(path.join(tmpdir(), 'follow-test-'))
    dirs.push(workspace)
    const inputs = await readInputs(
      (n) =>
        ({ prompt: 'x', wait: 'true', 'poll-interval': '5', 'attachments-path': 'out' })[n] ?? '',
      workspace
    )
    const state = new RunState({ slug: 'o/r', runUrl: '', commentKey: 'default' })
    state.packingBegan()
    state.packed(EMPTY_HANDOFF)
    state.sessionStarted(
      { id: 'devin-f', url: 'https://x.test/s/f', status: 'new', detail: '', pullRequests: [] },
      'created',
      { orgId: 'org-1' }
    )
    const calls: string[] = []
    const surfaces = {
      publish: async () => {
        calls.push(`publish (${state.phase})`)
      },
      finish: async () => {
        calls.push('finish')
      },
      saveState: (final: boolean) => {
        calls.push(`save ${final}`)
      }
    }
    const quiet = recordingLog()
    const done = follow({
      state,
      surfaces,
      devin: fakeDevin(calls),
      orgId: 'org-1',
      inputs,
      ctx: { workspace } as RunContext,
      scrub: (t) => t,
      log: quiet
    })
    // Let follow reach its first sleep (microtasks only), then let the poll interval pass.
    for (let i = 0; i < 1000 && vi.getTimerCount() === 0; i++) await Promise.resolve()
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(5_500)
    vi.useRealTimers()
    await done
    expect(calls.slice(0, 2)).toEqual(['publish (waiting)', 'get'])
    expect(calls).toContain('download')
    expect(calls).not.toContain('finish')
    expect(state.report.result).toBe('finished')
    expect(state.report.wait?.polls).toBe(1)
    // attachments-path is taken relative to the workspace.
    expect(state.report.attachments).toEqual(['out/report.md'])
    expect(await readFile(path.join(workspace, 'out', 'report.md'), 'utf8')).toBe('# Report\n')
  })
})
