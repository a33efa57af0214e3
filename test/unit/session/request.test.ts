import { describe, expect, it } from 'vitest'
import type { Screened } from '../../../src/handoff/prepare.ts'
import type { Inputs } from '../../../src/run/inputs.ts'
import type { Target } from '../../../src/run/target.ts'
import {
  answerMessage,
  commentUrl,
  createRequest,
  followUpMessage,
  sessionTitle
} from '../../../src/session/request.ts'
import { inputs as readInputsOf } from '../../helpers/session-fixtures.ts'

const TASK = '\n  Fix the flaky test  \nmore detail'
const inputs = (values: Record<string, string> = {}): Promise<Inputs> =>
  readInputsOf({ prompt: TASK, ...values })

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

const screened = (t: Target, o: { title?: string; task?: string } = {}): Screened => ({
  target: t,
  task: o.task ?? TASK,
  title: o.title ?? ''
})

describe('sessionTitle', () => {
  it('uses the title input when set', () => {
    expect(sessionTitle(screened(target({ prTitle: 'PR' }), { title: 'Mine' }))).toBe('Mine')
  })

  it('names the PR and its title', () => {
    expect(sessionTitle(screened(target({ prTitle: 'Add mul' })))).toBe('octo/repo#9: Add mul')
  })

  it('names the branch and the first non-blank line of the task without a PR', () => {
    expect(sessionTitle(screened(target({ headRef: 'dev' })))).toBe(
      'octo/repo@dev: Fix the flaky test'
    )
    expect(sessionTitle(screened(target({ headRef: '' })))).toBe(
      'octo/repo@HEAD: Fix the flaky test'
    )
  })

  it('is built from the screened text it is given, never from the inputs', () => {
    const t = target({ headRef: 'fix/[REDACTED: GitHub token]' })
    expect(sessionTitle(screened(t, { task: 'Rotate [REDACTED: GitHub token] now' }))).toBe(
      'octo/repo@fix/[REDACTED: GitHub token]: Rotate [REDACTED: GitHub token] now'
    )
  })

  it('cuts titles longer than 100 characters to 100 with an ellipsis', () => {
    const where = 'octo/repo#9: '
    const fits = 'a'.repeat(100 - where.length)
    expect(sessionTitle(screened(target({ prTitle: fits })))).toBe(where + fits)
    const long = sessionTitle(screened(target({ prTitle: `${fits}bc` })))
    expect(long).toHaveLength(100)
    expect(long).toBe(`${where}${fits.slice(0, -1)}…`)
  })

  it('does not cut a character in two', () => {
    const where = 'octo/repo#9: '
    const prTitle = `${'a'.repeat(98 - where.length)}😀 and more words`
    const title = sessionTitle(screened(target({ prTitle })))
    expect(title.startsWith(`${where}aaa`)).toBe(true)
    // A lone surrogate does not survive UTF-8: it comes back as U+FFFD.
    expect(Buffer.from(title, 'utf8').toString('utf8')).toBe(title)
  })
})

describe('createRequest', () => {
  it('sends only the prompt, title, tags and the repository when nothing else is set', async () => {
    const body = createRequest(await inputs(), screened(target({ prTitle: 'T' })), 'PROMPT', [
      'a',
      'b'
    ])
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
      screened(target()),
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

describe('commentUrl', () => {
  const pr = 'https://github.com/octo/repo/pull/3'
  it('anchors an issue comment and a review comment as GitHub does', () => {
    expect(commentUrl(pr, { id: 11, kind: 'issue' })).toBe(`${pr}#issuecomment-11`)
    expect(commentUrl(pr, { id: 42, kind: 'review' })).toBe(`${pr}#discussion_r42`)
  })
})

describe('answerMessage', () => {
  it('says who answered, where, and then the text as written', () => {
    const text = 'use the v2 API\n\n- and keep v1'
    expect(answerMessage({ login: 'bob', where: 'https://x/pull/3#issuecomment-1', text })).toBe(
      `@bob answered on the pull request (https://x/pull/3#issuecomment-1):\n\n${text}`
    )
  })

  it('names no one it does not know', () => {
    expect(answerMessage({ where: 'https://x/pull/3', text: 'ok' })).toBe(
      'Someone answered on the pull request (https://x/pull/3):\n\nok'
    )
  })
})
