import { readCredentials } from '../../../src/credentials/read.ts'
import { describe, expect, it } from 'vitest'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import {
  InputError,
  parseFailOn,
  parseList,
  NUMBER_INPUTS,
  parseBoundedNumber,
  readInputs,
  requireApiKey,
  type InputReader,
  type Inputs,
  type NumberInput
} from '../../../src/run/inputs.ts'
import { parse as parseYaml } from 'yaml'
import { REPO_ROOT } from '../../helpers/run-action.ts'

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
      knowledgeIds: undefined,
      mode: 'handoff',
      statusCheck: 'auto',
      maxSessionsPerPr: 0,
      maxAcusPerPr: 0,
      incremental: true
    })
  })

  it('takes no task in mode sync, and says so when one is given', async () => {
    const heard: string[] = []
    const log = {
      info: (m: string) => heard.push(`info ${m}`),
      notice: (m: string) => heard.push(`notice ${m}`)
    }
    const quiet = await readInputs(reader({ mode: 'sync', prompt: '' }), workspace, { log })
    expect(quiet).toMatchObject({ mode: 'sync', task: '' })
    expect(heard).toEqual([])
    const given = await readInputs(reader({ mode: 'SYNC', 'status-check': 'true' }), workspace, {
      log
    })
    expect(given).toMatchObject({ mode: 'sync', task: '', statusCheck: 'true' })
    expect(heard).toEqual([
      "notice mode 'sync' takes no task; 'prompt' and 'prompt-file' are ignored."
    ])
  })

  it("takes no task in mode review, and keys its comment 'review' unless told otherwise", async () => {
    const heard: string[] = []
    const log = { info: (m: string) => heard.push(m), notice: (m: string) => heard.push(m) }
    const plain = await readInputs(reader({ mode: 'review', prompt: 'Review it' }), workspace, {
      log
    })
    expect(plain).toMatchObject({ mode: 'review', task: '', commentKey: 'review' })
    expect(heard).toEqual(["mode 'review' takes no task; 'prompt' and 'prompt-file' are ignored."])
    const keyed = await readInputs(reader({ mode: 'review', 'comment-key': 'ux' }), workspace)
    expect(keyed.commentKey).toBe('ux')
    // A handoff keeps its own default: the two never share a comment unless asked to.
    expect((await readInputs(reader({ prompt: 'x' }), workspace)).commentKey).toBe('default')
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
    ['attachments-path', { 'attachments-path': '../../etc' }, /Input 'attachments-path'/],
    [
      'mode',
      { mode: 'watch' },
      /Input 'mode': expected one of 'handoff', 'review', 'sync', got 'watch'/
    ],
    [
      'status-check',
      { 'status-check': 'yes' },
      /Input 'status-check': expected one of 'auto', 'true', 'false'/
    ]
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
    expect(parseBoundedNumber('x', '2.5', { min: 1, max: 3 })).toBe(2.5)
    expect(() => parseBoundedNumber('x', '-1', { min: 1, max: 3 })).toThrow(/Input 'x'/)
  })
})

describe('number inputs', () => {
  const valueOf = async (name: string, raw: string): Promise<unknown> => {
    const inputs = await readInputs(reader({ [name]: raw }), workspace)
    const field: Record<string, keyof typeof inputs> = {
      'max-diff-bytes': 'maxDiffBytes',
      'max-acu-limit': 'maxAcuLimit',
      'timeout-minutes': 'timeoutMinutes',
      'poll-interval': 'pollIntervalSeconds',
      'pr-number': 'prNumber',
      'max-sessions-per-pr': 'maxSessionsPerPr',
      'max-log-bytes': 'maxLogBytes',
      'max-acus-per-pr': 'maxAcusPerPr'
    }
    return inputs[field[name] as keyof typeof inputs]
  }
  const failure = (name: string, raw: string): Promise<string> =>
    readInputs(reader({ [name]: raw }), workspace).then(
      () => 'no error',
      (e: unknown) => (e as Error).message
    )

  it('every number input has both bounds, and each bound is accepted as it stands', async () => {
    expect(Object.keys(NUMBER_INPUTS).sort()).toEqual([
      'max-acu-limit',
      'max-acus-per-pr',
      'max-diff-bytes',
      'max-log-bytes',
      'max-sessions-per-pr',
      'poll-interval',
      'pr-number',
      'timeout-minutes'
    ])
    for (const [name, b] of Object.entries(NUMBER_INPUTS)) {
      expect(await valueOf(name, String(b.min)), name).toBe(b.min)
      expect(await valueOf(name, String(b.max)), name).toBe(b.max)
    }
  })

  it('refuses a value past either bound, naming the input and the bound', async () => {
    expect(await failure('timeout-minutes', '7200.5')).toBe(
      "Input 'timeout-minutes': expected a number of at most 7200 (5 days, the longest a job runs on a self-hosted runner), got '7200.5'"
    )
    expect(await failure('poll-interval', '1e9')).toBe(
      "Input 'poll-interval': expected a number, got '1e9'"
    )
    expect(await failure('poll-interval', '3601')).toBe(
      "Input 'poll-interval': expected a number of at most 3600 (an hour), got '3601'"
    )
    expect(await failure('timeout-minutes', '0.001')).toBe(
      "Input 'timeout-minutes': expected a number of at least 0.01, got '0.001'"
    )
    expect(await failure('max-diff-bytes', '0')).toBe(
      "Input 'max-diff-bytes': expected a whole number of at least 1, got '0'"
    )
    expect(await failure('max-diff-bytes', '10000001')).toMatch(/of at most 10000000 \(10 MB\)/)
    expect(await failure('max-acu-limit', '10001')).toMatch(
      /^Input 'max-acu-limit': expected a whole number of at most 10000, got '10001'$/
    )
    expect(await failure('pr-number', '2147483648')).toMatch(/of at most 2147483647/)
  })

  it('calls a number too long for a double too large, not malformed', async () => {
    expect(await failure('timeout-minutes', '9'.repeat(400))).toMatch(/of at most 7200/)
    expect(await failure('pr-number', `1${'0'.repeat(30)}`)).toMatch(/of at most 2147483647/)
  })

  it('keeps the two timer inputs below what a Node timer can hold', () => {
    const TIMER_MAX_MS = 2 ** 31 - 1
    expect(NUMBER_INPUTS['timeout-minutes'].max * 60_000).toBeLessThan(TIMER_MAX_MS)
    expect(NUMBER_INPUTS['poll-interval'].max * 1000).toBeLessThan(TIMER_MAX_MS)
  })

  it('action.yml states the bounds of each number input it describes', () => {
    const yml = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')
    const doc = parseYaml(yml) as { inputs: Record<string, { description: string }> }
    const digits = (text: string): string => text.replace(/(\d),(\d)/g, '$1$2')
    for (const name of ['max-diff-bytes', 'max-acu-limit', 'timeout-minutes', 'poll-interval']) {
      const b = NUMBER_INPUTS[name as NumberInput]
      const text = digits(doc.inputs[name]?.description ?? '')
      expect(text, name).toContain(`${b.min} to ${b.max}`)
    }
  })
})

describe('paths and symbolic links', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'inputs-links-'))
  const ws = path.join(root, 'workspace')
  mkdirSync(path.join(ws, 'docs'), { recursive: true })
  mkdirSync(path.join(root, 'elsewhere'))
  writeFileSync(path.join(root, 'runner-secret.txt'), 'not for Devin\n')
  writeFileSync(path.join(ws, 'docs', 'task.md'), 'Fix the docs\n')
  symlinkSync('../runner-secret.txt', path.join(ws, 'leak.md'))
  symlinkSync('docs/task.md', path.join(ws, 'task-link.md'))
  symlinkSync('../elsewhere', path.join(ws, 'out'))
  symlinkSync('docs', path.join(ws, 'docs-link'))
  symlinkSync('../missing-dir', path.join(ws, 'dangling'))
  mkdirSync(path.join(ws, '..hidden'))
  writeFileSync(path.join(ws, '..hidden', 'task.md'), 'Dots\n')

  const read = (values: Record<string, string>): Promise<unknown> =>
    readInputs(reader(values), ws).catch((e: unknown) => e)

  it('reads a prompt-file through a link that stays inside', async () => {
    const inputs = (await read({ prompt: '', 'prompt-file': 'task-link.md' })) as Inputs
    expect(inputs.task).toBe('Fix the docs\n')
    const dotted = (await read({ prompt: '', 'prompt-file': '..hidden/task.md' })) as Inputs
    expect(dotted.task).toBe('Dots\n')
  })

  it('refuses a prompt-file that a link takes outside, before reading it', async () => {
    const err = await read({ prompt: '', 'prompt-file': 'leak.md' })
    expect(err).toBeInstanceOf(InputError)
    expect((err as InputError).input).toBe('prompt-file')
    expect((err as Error).message).toMatch(
      /^Input 'prompt-file': expected a path inside the workspace, got 'leak.md', which a symbolic link takes to '.*runner-secret\.txt'$/
    )
  })

  it('accepts an attachments-path that does not exist yet, under a link that stays inside', async () => {
    const inputs = (await read({ 'attachments-path': 'docs-link/new/deeper' })) as Inputs
    expect(inputs.attachmentsPath).toBe('docs-link/new/deeper')
  })

  it.each(['out', 'out/new/deeper', 'dangling', 'dangling/sub'])(
    'refuses attachments-path %s, which a link takes outside',
    async (rel) => {
      const err = await read({ 'attachments-path': rel })
      expect((err as InputError).input).toBe('attachments-path')
      expect((err as Error).message).toMatch(
        /which a symbolic link takes to '.*(elsewhere|missing-dir)/
      )
      // Refused before anything was created.
      expect(existsSync(path.join(root, 'missing-dir'))).toBe(false)
    }
  )
})
