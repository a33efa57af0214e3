import { describe, expect, it } from 'vitest'
import { screenForDevin } from '../../../src/egress/devin.ts'
import { SecretsFoundError } from '../../../src/hygiene/secret-screen.ts'
import { seededRandom } from '../../helpers/fake-secrets.ts'

const rand = seededRandom(1010)
const TOKEN = `ghp_${rand(36)}`
const SLACK = `xoxb-${rand(11, '0123456789')}-${rand(12, '0123456789')}-${rand(24)}`

function recorder(): { warnings: string[]; warning: (m: string) => void } {
  const warnings: string[] = []
  return { warnings, warning: (m) => void warnings.push(m) }
}

describe('screenForDevin', () => {
  const request = {
    prompt: 'clean prompt',
    title: `octo/repo#1: rotate ${TOKEN}`,
    tags: ['github-action', `gh:octo/repo@${TOKEN}:default`],
    repos: ['octo/repo'],
    max_acu_limit: 5
  }

  it('redacts a credential in any field, naming the field, and keeps the shape', async () => {
    const log = recorder()
    const { value, redactions } = await screenForDevin(request, { mode: 'redact', log })
    expect(JSON.stringify(value)).not.toContain(TOKEN)
    expect(value.prompt).toBe('clean prompt')
    expect(value.repos).toEqual(['octo/repo'])
    expect(value.max_acu_limit).toBe(5)
    expect(value.tags[0]).toBe('github-action')
    expect(redactions.map((r) => r.where)).toEqual(['request title:1', 'request tags[1]:1'])
    expect(log.warnings.join('\n')).toMatch(/request's title/)
    expect(log.warnings.join('\n')).not.toContain(TOKEN)
  })

  it('screens a message (a bare string) too', async () => {
    const { value } = await screenForDevin(`here: ${SLACK}`, { mode: 'redact', log: recorder() })
    expect(value).not.toContain(SLACK)
  })

  it('refuses, sending nothing, with secret-scan: fail; passes as is with off', async () => {
    await expect(screenForDevin(request, { mode: 'fail', log: recorder() })).rejects.toBeInstanceOf(
      SecretsFoundError
    )
    const off = await screenForDevin(request, { mode: 'off', log: recorder() })
    expect(off.value).toEqual(request)
  })
})
