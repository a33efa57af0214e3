import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import {
  apiBaseUrl,
  checkDevinKey,
  checkInputNames,
  checkOrgId,
  INPUT_NAMES,
  misspelledInputs
} from '../../../src/run/setup.ts'
import { envInputReader, readInputs } from '../../../src/run/inputs.ts'
import { REPO_ROOT } from '../../helpers/run-action.ts'

const thrown = (f: () => unknown): string => {
  try {
    f()
  } catch (err) {
    return (err as Error).message
  }
  throw new Error('did not throw')
}

describe('input names', () => {
  it('are the inputs of action.yml, in its order', () => {
    const doc = parseYaml(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>
    }
    expect([...INPUT_NAMES]).toEqual(Object.keys(doc.inputs))
  })

  it('tells a misspelled input from a real or an unrelated one', () => {
    // As the runner sets them: upper case, `_` and `-` as written in the workflow.
    const given = [
      'API_KEY',
      'TIMEOUT_MINUTES',
      'APIKEY',
      'Fail_On',
      'TIMEOUT-MINUTES',
      'PROMPT',
      'WHATEVER_ELSE',
      'GITHUB_TOKEN'
    ]
    expect(misspelledInputs(given)).toEqual([
      { given: 'api_key', meant: 'api-key' },
      { given: 'timeout_minutes', meant: 'timeout-minutes' },
      { given: 'apikey', meant: 'api-key' },
      { given: 'fail_on', meant: 'fail-on' },
      { given: 'github_token', meant: 'github-token' }
    ])
    expect(misspelledInputs(INPUT_NAMES.map((n) => n.toUpperCase()))).toEqual([])
  })

  it('names a variable in the wrong case (a hand-written .env) as the variable it is', () => {
    expect(misspelledInputs(['api-key', 'Timeout_Minutes'])).toEqual([
      { given: 'INPUT_api-key', meant: 'INPUT_API-KEY' },
      { given: 'timeout_minutes', meant: 'timeout-minutes' }
    ])
  })

  it('fails naming the input written and the one meant, and every other one', () => {
    expect(thrown(() => checkInputNames(['TIMEOUT_MINUTES']))).toBe(
      "Input 'timeout_minutes': is not an input of this action, so its value was not used; did you mean 'timeout-minutes'? Input names are written with hyphens"
    )
    expect(thrown(() => checkInputNames(['API_KEY', 'TIMEOUT_MINUTES', 'PROMPT']))).toMatch(
      /^Input 'api_key': .*did you mean 'api-key'\?.*; 'timeout_minutes' is 'timeout-minutes' too$/
    )
    expect(() => checkInputNames(['API-KEY', 'PROMPT'])).not.toThrow()
    expect(() => checkInputNames(undefined)).not.toThrow()
  })

  it('envInputReader reports every INPUT_ name the runner set', () => {
    const get = envInputReader({
      'INPUT_API-KEY': 'cog_x',
      INPUT_TIMEOUT_MINUTES: '5',
      GITHUB_TOKEN: 'x'
    })
    expect(get.given).toEqual(['API-KEY', 'TIMEOUT_MINUTES'])
    expect(get('timeout-minutes')).toBe('')
  })

  it('readInputs fails on an underscored name even when the hyphenated one is set too', async () => {
    const get = envInputReader({
      INPUT_PROMPT: 'task',
      'INPUT_TIMEOUT-MINUTES': '10',
      INPUT_TIMEOUT_MINUTES: '5'
    })
    await expect(readInputs(get, '/nonexistent')).rejects.toThrow(
      /^Input 'timeout_minutes': .*did you mean 'timeout-minutes'\?/
    )
  })
})

describe('api-key shape', () => {
  it('refuses a legacy key, saying what v3 needs and where to create it', () => {
    const message = thrown(() => checkDevinKey('legacy'))
    expect(message).toMatch(/^Input 'api-key': is a legacy Devin API key \(apk_…\)/)
    expect(message).toContain('service user key (cog_…)')
    expect(message).toContain('Settings → Service users')
    expect(message).toContain('ManageOrgSessions')
  })

  it('lets any other key through, and leaves a missing one to the trust checks', () => {
    for (const kind of ['other', 'missing', undefined] as const)
      expect(() => checkDevinKey(kind)).not.toThrow()
  })

  it('readInputs refuses a legacy key before anything else is read', async () => {
    const asked: string[] = []
    const get = (name: string): string => (asked.push(name), name === 'prompt' ? 'task' : '')
    await expect(readInputs(get, '/nonexistent', { devinKey: 'legacy' })).rejects.toThrow(
      /legacy Devin API key/
    )
    expect(asked).toEqual([])
  })
})

describe('org-id', () => {
  it('accepts an org- id or nothing', () => {
    for (const id of ['', 'org-abc123def456', 'org-6f1e_x.y-z'])
      expect(() => checkOrgId(id)).not.toThrow()
  })

  it('refuses an organization name, saying what an id looks like and where it is shown', () => {
    expect(thrown(() => checkOrgId('acme-corp'))).toBe(
      "Input 'org-id': expected an organization id such as 'org-abc123' (it starts with 'org-'; Devin shows it under Settings → Service users), got 'acme-corp'"
    )
    expect(thrown(() => checkOrgId('org 12'))).toMatch(/got 'org 12'$/)
  })

  it('does not repeat a key pasted into it', () => {
    const key = 'cog_abcdefSECRET0123456789'
    const message = thrown(() => checkOrgId(key))
    expect(message).toMatch(
      /got what looks like an API key \(not shown; the key goes in 'api-key'\)$/
    )
    expect(message).not.toContain('SECRET')
    expect(thrown(() => checkOrgId('apk_user_SECRET'))).not.toContain('SECRET')
  })
})

describe('api-url', () => {
  it('drops a trailing /v3 and says so once', () => {
    for (const raw of [
      'https://api.devin.ai/v3',
      'https://api.devin.ai/v3/',
      'https://api.devin.ai/V3//'
    ]) {
      const said: string[] = []
      expect(apiBaseUrl(raw, (m) => said.push(m))).toBe('https://api.devin.ai')
      expect(said).toEqual([
        "Input 'api-url': dropped the trailing '/v3' (the action appends '/v3/…' itself); calling Devin at https://api.devin.ai"
      ])
    }
  })

  it('keeps a proxy prefix, and any URL that does not end in /v3', () => {
    const said: string[] = []
    const info = (m: string): number => said.push(m)
    expect(apiBaseUrl('https://proxy.test/devin/v3', info)).toBe('https://proxy.test/devin')
    expect(said).toHaveLength(1)
    expect(apiBaseUrl('https://proxy.test/v3beta1', info)).toBe('https://proxy.test/v3beta1')
    expect(apiBaseUrl('https://proxy.test/v3/devin/', info)).toBe('https://proxy.test/v3/devin')
    expect(apiBaseUrl('', info)).toBe('https://api.devin.ai')
    expect(said).toHaveLength(1)
  })

  it('shows the URL it will call without user info', () => {
    const said: string[] = []
    apiBaseUrl('https://user:pa55word@proxy.test/v3', (m) => said.push(m))
    expect(said.join('')).toContain('calling Devin at https://proxy.test')
    expect(said.join('')).not.toContain('pa55word')
  })
})
