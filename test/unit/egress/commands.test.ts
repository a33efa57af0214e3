import { describe, expect, it } from 'vitest'
import { neutralizeCommands } from '../../../src/egress/commands.ts'
import { foreignCommands, runnerCommands } from '../../helpers/runner-commands.ts'

const PAYLOADS = [
  '::set-env name=HACKED::1',
  '  ::add-mask::HACKED',
  '\t::error title=HACKED::boom',
  '\u00a0\u2003::warning::HACKED',
  '\u0085::notice::HACKED',
  'before ##[set-output name=HACKED]x',
  '##[error]HACKED',
  // Last: once it runs, the runner reads no further command.
  '::stop-commands::HACKED'
]

describe('neutralizeCommands', () => {
  it('the replay sees every planted payload as a command before, and none after', () => {
    for (const sep of ['\n', '\r', '\r\n']) {
      const text = `intro${sep}${PAYLOADS.join(sep)}${sep}`
      expect(foreignCommands(runnerCommands(text), 'HACKED').length).toBe(PAYLOADS.length)
      expect(runnerCommands(neutralizeCommands(text))).toEqual([])
    }
  })

  it('changes nothing a reader sees, and leaves text without commands alone', () => {
    const text = '::error::x and a ##[group]y'
    expect(neutralizeCommands(text).replace(/\u200b/g, '')).toBe(text)
    const plain = 'std::vector<int> at line 3 :: not at a line start'
    expect(neutralizeCommands(plain)).toBe(plain)
    expect(neutralizeCommands('')).toBe('')
  })

  it('keeps the line breaks as they were', () => {
    expect(neutralizeCommands('a\r\n::x::y\rb\n')).toBe('a\r\n:\u200b:x::y\rb\n')
  })
})
