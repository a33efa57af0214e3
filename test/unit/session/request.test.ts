import { describe, expect, it } from 'vitest'
import { readInputs, type Inputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import { createRequest, followUpMessage, sessionTitle } from '../../../src/session/request.ts'

function inputs(values: Record<string, string> = {}): Promise<Inputs> {
  const all: Record<string, string> = { prompt: '\n  Fix the flaky test  \nmore detail', ...values }
  return readInputs((n) => all[n] ?? '', '/nonexistent')
}

function target(o: { prTitle?: string; headRef?: string } = {}): Target {
  return {
    owner: 'octo',
    repo: 'repo',
    slug: 'octo/repo',
    eventName: 'push',
    headRef: o.headRef ?? 'main',
    headSha: '',
    baseRef: '',
    baseSha: '',
    pr:
      o.prTitle === undefined
        ? undefined
        : {
            number: 9,
            url: '',
            title: o.prTitle,
            body: '',
            author: '',
            isFork: false,
            headRepo: 'octo/repo',
            draft: false
          }
  }
}

describe('sessionTitle', () => {
  it('uses the title input when set', async () => {
    expect(sessionTitle(await inputs({ title: 'Mine' }), target({ prTitle: 'PR' }))).toBe('Mine')
  })

  it('names the PR and its title', async () => {
    expect(sessionTitle(await inputs(), target({ prTitle: 'Add mul' }))).toBe(
      'octo/repo#9: Add mul'
    )
  })

  it('names the branch and the first non-blank line of the task without a PR', async () => {
    expect(sessionTitle(await inputs(), target({ headRef: 'dev' }))).toBe(
      'octo/repo@dev: Fix the flaky test'
    )
    expect(sessionTitle(await inputs(), target({ headRef: '' }))).toBe(
      'octo/repo@HEAD: Fix the flaky test'
    )
  })

  it('cuts titles longer than 100 characters to 100 with an ellipsis', async () => {
    const where = 'octo/repo#9: '
    const fits = 'a'.repeat(100 - where.length)
    expect(sessionTitle(await inputs(), target({ prTitle: fits }))).toBe(where + fits)
    const long = sessionTitle(await inputs(), target({ prTitle: `${fits}bc` }))
    expect(long).toHaveLength(100)
    expect(long).toBe(`${where}${fits.slice(0, -1)}…`)
  })

  // Known issue: the cut counts UTF-16 code units, so a character outside the BMP (an emoji)
  // that straddles position 99 is split, and the title sent to Devin ends in a lone surrogate
  // (JSON.stringify sends it as a bare \ud83d escape; as UTF-8 it becomes U+FFFD).
  it('does not cut a character in two', async () => {
    const where = 'octo/repo#9: '
    const prTitle = `${'a'.repeat(98 - where.length)}😀 and more words`
    const title = sessionTitle(await inputs(), target({ prTitle }))
    expect(title.startsWith(`${where}aaa`)).toBe(true)
    // A lone surrogate does not survive UTF-8: it comes back as U+FFFD.
    expect(Buffer.from(title, 'utf8').toString('utf8')).toBe(title)
  })
})

describe('createRequest', () => {
  it('sends only the prompt, title, tags and the repository when nothing else is set', async () => {
    const body = createRequest(await inputs(), target({ prTitle: 'T' }), 'PROMPT', ['a', 'b'])
    expect(body).toEqual({
      prompt: 'PROMPT',
      title: 'octo/repo#9: T',
      tags: ['a', 'b'],
      repos: ['octo/repo']
    })
  })

  it('sends every optional field the user set, as the API names it', async () => {
    const body = createRequest(
      await inputs({
        repos: 'octo/a, octo/b',
        'playbook-id': 'playbook-1',
        'knowledge-ids': 'k1,k2',
        'secret-ids': 's1',
        'max-acu-limit': '7',
        'structured-output-schema': '{"type":"object"}',
        'devin-mode': 'fast'
      }),
      target(),
      'P',
      []
    )
    expect(body).toEqual({
      prompt: 'P',
      title: 'octo/repo@main: Fix the flaky test',
      tags: [],
      repos: ['octo/a', 'octo/b'],
      playbook_id: 'playbook-1',
      knowledge_ids: ['k1', 'k2'],
      secret_ids: ['s1'],
      max_acu_limit: 7,
      structured_output_schema: { type: 'object' },
      devin_mode: 'fast'
    })
  })
})

describe('followUpMessage', () => {
  it('says the handoff replaces the earlier one, then carries the prompt unchanged', () => {
    const prompt = '# Task\n\nDo ü things\n'
    const m = followUpMessage(prompt)
    expect(m.endsWith(`\n\n${prompt}`)).toBe(true)
    expect(m.slice(0, -prompt.length)).toMatch(/^A new handoff .* replaces the earlier task/)
  })
})
