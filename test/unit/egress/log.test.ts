import { afterEach, describe, expect, it, vi } from 'vitest'
import { openLog } from '../../../src/egress/log.ts'
import { foreignCommands, runnerCommands } from '../../helpers/runner-commands.ts'
import { captureStdout } from '../../helpers/log.ts'

const HOSTILE =
  'title\n::set-env name=HACKED::1\r::add-mask::HACKED\n  ##[set-output name=HACKED]x\n::stop-commands::HACKED'
const KEY = 'cog_secretvalue123456'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('openLog', () => {
  it('lets no planted command through any level, and the runner still sees its own', () => {
    const out = captureStdout()
    const log = openLog()
    log.info(HOSTILE)
    log.debug(HOSTILE)
    log.warning(HOSTILE)
    log.notice(HOSTILE)
    log.block(HOSTILE, HOSTILE)
    log.info('after')
    vi.restoreAllMocks()
    const commands = runnerCommands(out.join(''))
    expect(foreignCommands(commands, 'HACKED')).toEqual([])
    expect(commands.map((c) => c.name)).toEqual([
      'debug',
      'warning',
      'notice',
      'group',
      'stop-commands',
      'endgroup'
    ])
    // The block shows Devin's text exactly as it is.
    expect(out.join('')).toContain(`\n${HOSTILE}\n`)
  })

  it('the same text written raw would have run commands (the replay is not blind)', () => {
    expect(foreignCommands(runnerCommands(HOSTILE), 'HACKED')).toHaveLength(4)
  })

  it('removes the run’s credentials and anything shaped like a Devin key or bearer token', () => {
    const out = captureStdout()
    const log = openLog((t) => t.replaceAll('ghs_runtoken', '***'))
    log.info(`token ghs_runtoken, key ${KEY}, Authorization: Bearer abc.def`)
    log.block('t', `key ${KEY}`)
    vi.restoreAllMocks()
    const text = out.join('')
    expect(text).not.toContain('ghs_runtoken')
    expect(text).not.toContain(KEY)
    expect(text).not.toContain('abc.def')
  })
})
