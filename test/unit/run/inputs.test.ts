import { readCredentials } from '../../../src/credentials/read.ts'
import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import {
  InputError,
  parseFailOn,
  parseList,
  parsePositiveNumber,
  readInputs,
  requireApiKey,
  type InputReader
} from '../../../src/run/inputs.ts'

const workspace = mkdtempSync(path.join(tmpdir(), 'inputs-'))
writeFileSync(path.join(workspace, 'task.md'), 'Fix the flaky test\n')

function reader(values: Record<string, string>): InputReader {
  const all: Record<string, string> = { 'api-key': 'cog_x', prompt: 'Review this PR', ...values }
  return (name) => all[name] ?? ''
}

describe('readInputs', () => {
  it('applies the contract defaults', async () => {
    const inputs = await readInputs(reader({}), workspace)
    expect(inputs).toMatchObject({
      apiUrl: 'https://api.devin.ai',
      includeDiff: true,
      includeUncommitted: true,
      maxDiffBytes: 100000,
      secretScan: 'redact',
      wait: false,
      timeoutMinutes: 60,
      pollIntervalSeconds: 30,
      comment: 'auto',
      commentKey: 'default',
      failOn: ['error'],
      requirePermission: 'write',
      knowledgeIds: undefined
    })
  })

  it('reads the task from prompt-file inside the workspace', async () => {
    const inputs = await readInputs(reader({ prompt: '', 'prompt-file': 'task.md' }), workspace)
    expect(inputs.task).toBe('Fix the flaky test\n')
  })

  it('parses lists, numbers and the schema', async () => {
    const inputs = await readInputs(
      reader({
        tags: 'a, b\nc',
        'knowledge-ids': '',
        'secret-ids': 's1,s2',
        'max-acu-limit': '5',
        'timeout-minutes': '0.5',
        'structured-output-schema': 'type: object\nproperties:\n  ok: {type: boolean}\n',
        'fail-on': 'error,timeout',
        'api-url': 'https://devin.example.test/'
      }),
      workspace
    )
    expect(inputs.tags).toEqual(['a', 'b', 'c'])
    expect(inputs.secretIds).toEqual(['s1', 's2'])
    expect(inputs.maxAcuLimit).toBe(5)
    expect(inputs.timeoutMinutes).toBe(0.5)
    expect(inputs.structuredOutputSchema).toEqual({
      type: 'object',
      properties: { ok: { type: 'boolean' } }
    })
    expect(inputs.failOn).toEqual(['error', 'timeout'])
    expect(inputs.apiUrl).toBe('https://devin.example.test')
  })

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['prompt', { prompt: '' }, /Input 'prompt': .*both are empty/],
    ['prompt', { 'prompt-file': 'task.md' }, /not both/],
    [
      'prompt-file',
      { prompt: '', 'prompt-file': 'missing.md' },
      /Input 'prompt-file': cannot read 'missing.md' \(ENOENT\)/
    ],
    ['prompt-file', { prompt: '', 'prompt-file': '../outside.md' }, /inside the workspace/],
    ['wait', { wait: 'yes' }, /Input 'wait': expected 'true' or 'false', got 'yes'/],
    [
      'max-diff-bytes',
      { 'max-diff-bytes': '10k' },
      /Input 'max-diff-bytes': expected a whole number, got '10k'/
    ],
    ['max-diff-bytes', { 'max-diff-bytes': '1.5' }, /whole number/],
    ['timeout-minutes', { 'timeout-minutes': '0' }, /Input 'timeout-minutes'/],
    [
      'poll-interval',
      { 'poll-interval': '0.5' },
      /Input 'poll-interval': expected a number of at least 1/
    ],
    ['secret-scan', { 'secret-scan': 'maybe' }, /one of 'redact', 'fail', 'off'/],
    ['comment', { comment: 'always' }, /Input 'comment'/],
    ['fail-on', { 'fail-on': 'error,never' }, /Input 'fail-on'/],
    ['fail-on', { 'fail-on': 'oops' }, /got 'oops'/],
    ['require-permission', { 'require-permission': 'owner' }, /Input 'require-permission'/],
    ['api-url', { 'api-url': 'ftp://x' }, /Input 'api-url'/],
    [
      'structured-output-schema',
      { 'structured-output-schema': '{"a": [' },
      /Input 'structured-output-schema'/
    ],
    ['structured-output-schema', { 'structured-output-schema': '[1,2]' }, /JSON Schema object/],
    ['pr-number', { 'pr-number': '#12' }, /Input 'pr-number'/],
    ['comment-key', { 'comment-key': 'has space' }, /Input 'comment-key'/],
    ['attachments-path', { 'attachments-path': '../../etc' }, /Input 'attachments-path'/]
  ]
  it.each(bad)('rejects a bad %s with a message naming it', async (input, values, message) => {
    const err = await readInputs(reader(values), workspace).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InputError)
    expect((err as InputError).input).toBe(input)
    expect((err as Error).message).toMatch(message)
  })
})

describe('api-key', () => {
  // Checked after the trust checks: fork and Dependabot runs get no secrets and must skip.
  it('is read apart from the other inputs, masked at once, and required by requireApiKey', async () => {
    const inputs = await readInputs(reader({ 'api-key': '' }), workspace)
    expect(Object.keys(inputs)).not.toContain('apiKey')
    expect(Object.keys(inputs)).not.toContain('githubToken')
    const masked: string[] = []
    const empty = readCredentials(reader({ 'api-key': '' }), (s) => masked.push(s))
    expect(empty.hasDevinKey).toBe(false)
    expect(masked).toEqual([])
    const full = readCredentials(
      reader({ 'api-key': ' cog_secret_value ', 'github-token': 'ghs_token_value' }),
      (s) => masked.push(s)
    )
    expect(masked).toEqual(['cog_secret_value', 'ghs_token_value'])
    expect(full.hasDevinKey && full.hasGithubToken).toBe(true)
    expect(full.scrub('key cog_secret_value and ghs_token_value%2F')).toBe('key *** and ***%2F')
    expect(JSON.stringify(full)).not.toContain('cog_secret_value')
    expect(() => requireApiKey(false, '. Why')).toThrow(/^Input 'api-key': is required.*\. Why$/)
    expect(() => requireApiKey(true)).not.toThrow()
  })
})

describe('small parsers', () => {
  it('splits lists on commas and newlines', () => {
    expect(parseList(' a,,b \n\n c ')).toEqual(['a', 'b', 'c'])
  })
  it('accepts never alone in fail-on', () => {
    expect(parseFailOn('never')).toEqual([])
    expect(parseFailOn('')).toEqual(['error'])
  })
  it('enforces minimums', () => {
    expect(parsePositiveNumber('x', '2.5', 1)).toBe(2.5)
    expect(() => parsePositiveNumber('x', '-1', 1)).toThrow(/Input 'x'/)
  })
})
