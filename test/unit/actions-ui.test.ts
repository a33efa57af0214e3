import { describe, expect, it } from 'vitest'
import { actionsView, annotationList } from '../helpers/actions-ui.ts'

const TOKEN = '1912aa70-99cb-432a-98f1-3fe987cd4a4f'
const STDOUT = [
  '::add-mask::cog_SECRET_value',
  'Fetching the base commit 91c220e from origin',
  '::debug::Devin API POST /v3/organizations/org-1/sessions → 200 (80 ms)',
  'Devin session: https://app.devin.ai/sessions/devin-1',
  '::group::💬 devin: Looking at src/math.ts…',
  `::stop-commands::${TOKEN}`,
  'Looking at src/math.ts…',
  '::warning::inside stop-commands, only text',
  'the key cog_SECRET_value is masked here too',
  `::${TOKEN}::`,
  '::endgroup::',
  "::notice::Devin handoff ended with result 'timeout'.%0ASession: x",
  '::warning file=a.ts,line=1::Something odd',
  '::error::It failed',
  '::set-output name=x::y',
  'plain text after'
].join('\n')

describe('actionsView: the log as the Actions UI shows it', () => {
  it('hides commands, folds groups and labels annotations', () => {
    const view = actionsView(`${STDOUT}\n`)
    expect(view.lines).toEqual([
      'Fetching the base commit 91c220e from origin',
      'Devin session: https://app.devin.ai/sessions/devin-1',
      '▶ 💬 devin: Looking at src/math.ts… (3 lines)',
      "Notice: Devin handoff ended with result 'timeout'.\nSession: x",
      'Warning: Something odd',
      'Error: It failed',
      'plain text after'
    ])
    expect(view.annotations).toEqual([
      { level: 'notice', message: "Devin handoff ended with result 'timeout'.\nSession: x" },
      { level: 'warning', message: 'Something odd' },
      { level: 'error', message: 'It failed' }
    ])
    expect(view.lines.join('\n')).not.toMatch(/::|stop-commands|cog_SECRET/)
  })

  it('shows debug lines with step debugging, and group bodies when expanded, masked', () => {
    const view = actionsView(STDOUT, { debug: true, expandGroups: true })
    expect(view.lines).toContain(
      '##[debug]Devin API POST /v3/organizations/org-1/sessions → 200 (80 ms)'
    )
    expect(view.lines.slice(3, 7)).toEqual([
      '▼ 💬 devin: Looking at src/math.ts…',
      '  Looking at src/math.ts…',
      '  ::warning::inside stop-commands, only text',
      '  the key *** is masked here too'
    ])
    expect(view.annotations).toHaveLength(3)
  })

  it('lists the annotations as the run summary does', () => {
    expect(annotationList([])).toEqual(['(none)'])
    expect(annotationList(actionsView(STDOUT).annotations)).toEqual([
      "Notice: Devin handoff ended with result 'timeout'.\nSession: x",
      'Warning: Something odd',
      'Error: It failed'
    ])
  })
})
