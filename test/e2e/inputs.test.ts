/**
 * Bad input, end to end: every input that can hold a bad value, given one, fails the built action
 * at once with a message that names the input and what was expected, and neither emulator sees a
 * single request. The table must cover every input in action.yml that has a notion of "bad".
 */
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { REPO_ROOT, type RunActionOptions } from '../helpers/run-action.ts'
import { prScenario, type PrScenario } from '../helpers/scenario.ts'

interface Row {
  input: string
  values: Record<string, string>
  /** After "Input '<input>': ". */
  message: RegExp
  extra?: Partial<RunActionOptions>
}

const row = (input: string, value: string, message: RegExp): Row => ({
  input,
  values: { [input]: value },
  message
})
const BOOL = /^expected 'true' or 'false', got '/

const ROWS: Row[] = [
  row('api-key', '', /^is required; pass the Devin key from a secret/),
  row(
    'org-id',
    'org 12',
    /^expected an organization id such as 'org-abc123' \(it starts with 'org-'; Devin shows it under Settings → Service users\), got 'org 12'$/
  ),
  row('api-url', 'api.devin.ai', /^expected an http\(s\) URL, got 'api.devin.ai'$/),
  row('api-url', 'ftp://devin.example.test', /^expected an http\(s\) URL/),
  { input: 'prompt', values: { prompt: '' }, message: /both are empty$/ },
  { input: 'prompt', values: { 'prompt-file': 'task.md' }, message: /not both$/ },
  {
    input: 'prompt-file',
    values: { prompt: '', 'prompt-file': 'missing.md' },
    message: /^cannot read 'missing.md' \(ENOENT\)$/
  },
  {
    input: 'prompt-file',
    values: { prompt: '', 'prompt-file': '../outside.md' },
    message: /^expected a path inside the workspace, got '..\/outside.md'$/
  },
  { input: 'prompt-file', values: { prompt: '', 'prompt-file': 'empty.md' }, message: /is empty/ },
  row('include-diff', 'yes', BOOL),
  row('include-uncommitted', 'no', BOOL),
  row('max-diff-bytes', 'lots', /^expected a whole number, got 'lots'$/),
  row('max-diff-bytes', '1.5', /^expected a whole number, got '1.5'$/),
  row('max-diff-bytes', '0', /^expected a whole number of at least 1, got '0'$/),
  row(
    'max-diff-bytes',
    '100000000',
    /^expected a whole number of at most 10000000 \(10 MB\), got '100000000'$/
  ),
  row('max-diff-bytes', '-5', /^expected a whole number, got '-5'$/),
  row('secret-scan', 'warn', /^expected one of 'redact', 'fail', 'off', got 'warn'$/),
  row('max-acu-limit', 'ten', /^expected a whole number, got 'ten'$/),
  row('max-acu-limit', '2.5', /^expected a whole number/),
  row('max-acu-limit', '0', /^expected a whole number of at least 1, got '0'$/),
  row('max-acu-limit', '1000000', /^expected a whole number of at most 10000, got '1000000'$/),
  row('structured-output-schema', '{"type": ', /^expected a JSON Schema as JSON or YAML/),
  row('structured-output-schema', '[1, 2]', /^expected a JSON Schema object/),
  row('structured-output-schema', 'just words', /^expected a JSON Schema object/),
  row('wait', 'sometimes', BOOL),
  row('timeout-minutes', 'forever', /^expected a number, got 'forever'$/),
  row('timeout-minutes', '0', /^expected a number of at least 0.01, got '0'$/),
  // Past Node's timer limit (2^31-1 ms): once, this was obeyed with a TimeoutOverflowWarning.
  row(
    'timeout-minutes',
    '99999999',
    /^expected a number of at most 7200 \(5 days, the longest a job runs on a self-hosted runner\), got '99999999'$/
  ),
  row('timeout-minutes', '-1', /^expected a number, got '-1'$/),
  row('poll-interval', '0.5', /^expected a number of at least 1, got '0.5'$/),
  row('poll-interval', 'fast', /^expected a number, got 'fast'$/),
  row('poll-interval', '2592000', /^expected a number of at most 3600 \(an hour\), got '2592000'$/),
  row('comment', 'always', /^expected one of 'auto', 'true', 'false', got 'always'$/),
  {
    input: 'comment',
    values: { comment: 'true' },
    message: /^is 'true' but no pull request is in context/,
    extra: { eventName: 'workflow_dispatch', payload: {} }
  },
  row('status-check', 'always', /^expected one of 'auto', 'true', 'false', got 'always'$/),
  row('mode', 'check', /^expected one of 'handoff', 'review', 'sync', got 'check'$/),
  row('max-sessions-per-pr', '-1', /^expected a whole number, got '-1'$/),
  row('max-sessions-per-pr', '1.5', /^expected a whole number, got '1.5'$/),
  row('max-sessions-per-pr', '10001', /^expected a whole number of at most 10000, got '10001'$/),
  row('max-acus-per-pr', 'lots', /^expected a number, got 'lots'$/),
  row('max-acus-per-pr', '1000001', /^expected a number of at most 1000000, got '1000001'$/),
  row('ci-logs', 'yes', BOOL),
  row('incremental', 'maybe', BOOL),
  row('max-log-bytes', '0', /^expected a whole number of at least 1, got '0'$/),
  row(
    'max-log-bytes',
    '20000000',
    /^expected a whole number of at most 10000000 \(10 MB\), got '20000000'$/
  ),
  {
    input: 'mode',
    values: { mode: 'review' },
    message:
      /^'review' needs a pull request: run it on a pull_request event or a comment on a PR, or set 'pr-number'$/,
    extra: { eventName: 'workflow_dispatch', payload: {} }
  },
  row('comment-key', 'two words', /^expected 1-64 letters, digits or '_.:\/-', got 'two words'$/),
  row('comment-key', 'k'.repeat(65), /^expected 1-64 letters/),
  row('reuse-session', 'maybe', BOOL),
  row('fail-on', 'everything', /^expected a comma list of 'error', .*got 'everything'$/),
  row('fail-on', 'error,never', /^'never' cannot be combined with other values/),
  row('dry-run', 'yes', BOOL),
  row('pr-number', '#12', /^expected a whole number, got '#12'$/),
  row('pr-number', '0', /^expected a whole number of at least 1, got '0'$/),
  row('pr-number', '99999999999', /^expected a whole number of at most 2147483647, got '/),
  row('stop-on-cancel', 'y', BOOL),
  row('attachments-path', '../../etc', /^expected a path inside the workspace/),
  // Symbolic links in the repository, planted in beforeAll: the text of the path stays inside.
  {
    input: 'prompt-file',
    values: { prompt: '', 'prompt-file': 'docs/leak.md' },
    message:
      /^expected a path inside the workspace, got 'docs\/leak.md', which a symbolic link takes to '.*runner-secret\.txt'$/
  },
  row(
    'attachments-path',
    'linked/devin-out',
    /^expected a path inside the workspace, got 'linked\/devin-out', which a symbolic link takes to '.*elsewhere\/devin-out'$/
  ),
  row('allow-forks', 'sure', BOOL),
  row('require-permission', 'owner', /^expected one of 'none', 'read', .*got 'owner'$/),
  row(
    'tags',
    Array.from({ length: 41 }, (_, i) => `t${i}`).join(','),
    /^at most 40 extra tags fit in Devin's limit of 50, got 41$/
  )
]

/** Free text (any value is a valid value), so they have no row. */
const FREE_TEXT = [
  'base-ref',
  'exclude-paths',
  'title',
  'playbook-id',
  'knowledge-ids',
  'secret-ids',
  'devin-mode',
  'repos',
  'trigger-phrase',
  'github-token',
  'allowed-bots'
]

let s: PrScenario
beforeAll(async () => {
  s = await prScenario()
  writeFileSync(join(s.checkout.workspace, 'task.md'), 'Fix the flaky test\n')
  writeFileSync(join(s.checkout.workspace, 'empty.md'), '  \n')
  writeFileSync(join(s.checkout.root, 'runner-secret.txt'), 'RUNNER_ONLY_VALUE\n')
  mkdirSync(join(s.checkout.root, 'elsewhere'))
  mkdirSync(join(s.checkout.workspace, 'docs'))
  symlinkSync('../../runner-secret.txt', join(s.checkout.workspace, 'docs', 'leak.md'))
  symlinkSync('../elsewhere', join(s.checkout.workspace, 'linked'))
})
afterAll(async () => {
  await s?.close()
})

describe('bad input', () => {
  it('the table covers every input of action.yml that can be bad', () => {
    const doc = parseYaml(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>
    }
    const covered = new Set([...ROWS.map((r) => r.input), ...FREE_TEXT])
    expect(Object.keys(doc.inputs).filter((name) => !covered.has(name))).toEqual([])
    expect([...covered].filter((name) => !(name in doc.inputs))).toEqual([])
  })

  describe.concurrent('fails at once, naming the input, before any request', () => {
    it.each(ROWS.map((r) => [r.input, JSON.stringify(r.values).slice(0, 60), r] as const))(
      '%s = %s',
      async (_name, _shown, r) => {
        const res = await s.run(r.values, r.extra)
        const errors = res.commands.filter((c) => c.command === 'error')
        expect(res.code, res.stdout + res.stderr).toBe(1)
        expect(errors).toHaveLength(1)
        const prefix = `Input '${r.input}': `
        expect(errors[0]?.message.startsWith(prefix), errors[0]?.message).toBe(true)
        expect(errors[0]?.message.slice(prefix.length)).toMatch(r.message)
        // Shared emulators: any request from any row fails every row still running.
        expect(s.devin.requests).toEqual([])
        expect(s.github.requests).toEqual([])
        expect(res.outputs['session-id'] ?? '').toBe('')
        // Nothing was read through a link, nor created at its far end.
        expect(res.stdout + res.summary).not.toContain('RUNNER_ONLY_VALUE')
        expect(readdirSync(join(s.checkout.root, 'elsewhere'))).toEqual([])
      }
    )
  })
})
