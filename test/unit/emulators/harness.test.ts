import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import {
  NODE_BIN,
  REPO_ROOT,
  parseFileCommands,
  runAction,
  runPost,
  startAction
} from '../../helpers/run-action.ts'
import { KEY } from './helpers.ts'

describe('emulator CLI', () => {
  it('runs under Node 24, prints one JSON line, serves, and exits cleanly on SIGINT', async () => {
    const child = spawn(NODE_BIN, [join(REPO_ROOT, 'test/emulators/cli.ts'), '--owner', 'o'], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', resolve)
    )
    const info = JSON.parse(line) as {
      devin: string
      github: string
      apiKey: string
      orgId: string
    }
    expect(info.apiKey).toBe(KEY)
    const self = await fetch(`${info.devin}/v3/self`, {
      headers: { authorization: `Bearer ${KEY}` }
    })
    expect(await self.json()).toMatchObject({ org_id: info.orgId })
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGINT')
    expect(await exit).toBe(0)
  })
})

describe('runAction harness', () => {
  const workspace = (): string => mkdtempSync(join(tmpdir(), 'ws-'))
  const actionYml = (dir: string): string => {
    const file = join(dir, 'action.yml')
    writeFileSync(
      file,
      [
        'name: fake',
        'inputs:',
        '  api-key: { required: true }',
        "  wait: { default: 'false' }",
        '  github-token: { default: "${{ github.token }}" }',
        'runs: { using: node24, main: index.js }'
      ].join('\n')
    )
    return file
  }
  const entry = (dir: string, source: string): string => {
    const file = join(dir, 'entry.mjs')
    writeFileSync(file, source)
    return file
  }
  const payload = {
    pull_request: { number: 12, head: { ref: 'feat', sha: 'c'.repeat(40) }, base: { ref: 'main' } },
    sender: { login: 'alice' }
  }

  it('runs an entry with runner env, input defaults, and parses outputs, state and summary', async () => {
    const dir = workspace()
    const script = entry(
      dir,
      `import { appendFileSync } from 'node:fs'
const e = process.env
appendFileSync(e.GITHUB_OUTPUT, 'plain=' + e['INPUT_API-KEY'] + '\\n')
appendFileSync(e.GITHUB_OUTPUT, 'multi<<ghadelimiter_1\\nline1\\nline2\\nghadelimiter_1\\n')
appendFileSync(e.GITHUB_OUTPUT, 'env=' + [e.GITHUB_REF, e.GITHUB_HEAD_REF, e.GITHUB_ACTOR, e.INPUT_WAIT, e['INPUT_GITHUB-TOKEN']].join('|') + '\\n')
appendFileSync(e.GITHUB_STATE, 'session<<EOF\\ndevin-1\\nEOF\\n')
appendFileSync(e.GITHUB_STEP_SUMMARY, '## Summary\\n')
console.log('::notice title=Skipped::fork%0Arun')
console.log(process.version + ' ' + (e.SECRET_FROM_PARENT ?? 'clean'))`
    )
    process.env.SECRET_FROM_PARENT = 'leak'
    const result = await runAction({
      inputs: { 'api-key': 'cog_x' },
      eventName: 'pull_request',
      payload,
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      entry: script,
      actionYml: actionYml(dir),
      githubToken: 'ghs_abc'
    })
    delete process.env.SECRET_FROM_PARENT
    expect(result.code).toBe(0)
    expect(result.outputs).toEqual({
      plain: 'cog_x',
      multi: 'line1\nline2',
      env: 'refs/pull/12/merge|feat|alice|false|ghs_abc'
    })
    expect(result.state).toEqual({ session: 'devin-1' })
    expect(result.summary).toBe('## Summary\n')
    expect(result.stdout).toMatch(/^v24\.\S+ clean/m)
    expect(result.commands).toEqual([
      { command: 'notice', props: { title: 'Skipped' }, message: 'fork\nrun' }
    ])

    const post = await runPost(result, {
      inputs: {},
      eventName: 'pull_request',
      payload,
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      postEntry: entry(dir, "console.log('state=' + process.env.STATE_session)"),
      actionYml: actionYml(dir)
    })
    expect(post.stdout.trim()).toBe('state=devin-1')
  })

  it('kills a hanging action after the timeout and rejects with its output', async () => {
    const dir = workspace()
    const run = runAction({
      inputs: {},
      eventName: 'push',
      payload: { ref: 'refs/heads/main', after: 'd'.repeat(40) },
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      entry: entry(dir, "console.log('polling…'); setInterval(() => {}, 1000)"),
      actionYml: actionYml(dir),
      timeoutMs: 1500
    })
    await expect(run).rejects.toThrow(/within 1500 ms[\s\S]*polling…/)
  })

  it('hands out the child for signal tests', async () => {
    const dir = workspace()
    const { child, done } = startAction({
      inputs: {},
      eventName: 'workflow_dispatch',
      payload: {},
      workspace: dir,
      githubUrl: 'http://127.0.0.1:1',
      repository: 'octo/hello',
      entry: entry(
        dir,
        `import { appendFileSync } from 'node:fs'
process.on('SIGINT', () => { appendFileSync(process.env.GITHUB_OUTPUT, 'result=cancelled\\n'); process.exit(3) })
console.log('ready ' + process.env.GITHUB_REF)
setInterval(() => {}, 1000)`
      ),
      actionYml: actionYml(dir)
    })
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(3)
    expect(result.outputs.result).toBe('cancelled')
    expect(result.stdout).toContain('ready refs/heads/main')
  })

  it('rejects file commands with an unterminated heredoc', () => {
    expect(() => parseFileCommands('a<<X\nvalue\n')).toThrow(/delimiter/)
    expect(parseFileCommands('a=1=2\r\nb<<X\r\n\r\nX\r\n')).toEqual({ a: '1=2', b: '' })
  })
})
