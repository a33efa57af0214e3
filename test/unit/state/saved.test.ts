import { describe, expect, it } from 'vitest'
import { RunState } from '../../../src/state/run-state.ts'
import { parseState, STATE_KEY, type SavedState } from '../../../src/state/saved.ts'
import { EMPTY_HANDOFF } from '../../helpers/run-state.ts'

function saved(): SavedState {
  const s = new RunState({ slug: 'octo/repo', runUrl: '', commentKey: 'default' }, () => 42)
  s.packingBegan()
  s.packed(EMPTY_HANDOFF)
  s.sessionStarted(
    { id: 'devin-1', url: 'https://x.test/s/1', status: 'new', detail: '', pullRequests: [] },
    'created',
    { orgId: 'org-1' }
  )
  s.waitingBegan()
  return {
    final: false,
    comment: { id: 77, url: 'https://github.com/octo/repo/pull/3#issuecomment-77', issue: 3 },
    orgId: 'org-1',
    stopOnCancel: true,
    terminated: false,
    report: s.snapshot()
  }
}

describe('parseState', () => {
  it('reads back what the main step saved', () => {
    const state = saved()
    const parsed = parseState(JSON.stringify(state))
    expect(parsed).toEqual(state)
    expect(parsed?.report.phase).toBe('waiting')
    expect(STATE_KEY).toBe('devin-handoff')
  })

  it.each([
    ['nothing saved', ''],
    ['not JSON', '{"final": tru'],
    ['a JSON string', '"waiting"'],
    ['null', 'null'],
    ['a number', '7'],
    ['an array', '[]'],
    ['no report', '{"final": false}'],
    ['a null report', '{"final": false, "report": null}'],
    ['a report without a phase', '{"final": false, "report": {"slug": "o/r"}}'],
    ['a phase that is not a string', '{"final": false, "report": {"phase": 3}}']
  ])('gives undefined for %s', (_what, raw) => {
    expect(parseState(raw)).toBeUndefined()
  })
})
