/**
 * The packer end to end: the built action on real checkouts (depth-1 merge commit as
 * actions/checkout leaves it), asserting on the prompt the Devin emulator received. Awkward
 * changes (renames, deletions, binaries, odd names), the byte budget, what is never inlined,
 * uncommitted work, the GitHub API fallback, and planted credentials.
 */
import { createHash, generateKeyPairSync, type KeyExportOptions } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { FileFixture } from '../emulators/github.ts'
import { runGit, writeFiles, type Files } from '../helpers/checkout.ts'
import { fileListOf, hunksOf, promptContext, sentPrompt, sentPrompts } from '../helpers/events.ts'
import type { ActionResult } from '../helpers/run-action.ts'
import { BASE64, UPPER_DIGITS, pemBlock, seededRandom } from '../helpers/fake-secrets.ts'
import {
  everything,
  prScenario,
  type PrScenario,
  type PrScenarioOptions
} from '../helpers/scenario.ts'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.()
})
async function scenario(o: PrScenarioOptions): Promise<PrScenario> {
  const s = await prScenario(o)
  cleanups.push(() => s.close())
  return s
}
const ok = (r: ActionResult): void => {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
}
const lines = (n: number, tag: string): string =>
  Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join('\n') + '\n'
/** The file list line for `path` (list lines end with the name, then an optional note). */
const lineFor = (list: string[], path: string): string | undefined =>
  list.find((l) => l.includes(` ${path}`))

describe('a shallow merge-commit checkout', () => {
  it('fetches the base, diffs exactly the PR, and lists renames, deletions, binaries and odd names', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]),
      Buffer.alloc(64, 7)
    ])
    const s = await scenario({
      base: {
        'README.md': '# Widgets\n',
        'docs/old guide.md': lines(12, 'guide'),
        'src/obsolete.ts': 'export const old = 1\n',
        'src/math.ts': 'export const add = (a: number, b: number) => a + b\n'
      },
      head: {
        'docs/new guide.md': lines(12, 'guide').replace('guide line 6', 'guide line six'),
        'src/obsolete.ts': null,
        'img/logo.png': png,
        'notes/meeting notes.md': 'Agenda: ship it\n',
        'docs/café menü.md': 'Crème brûlée\n',
        'src/math.ts':
          'export const add = (a: number, b: number) => a + b\nexport const mul = (a: number, b: number) => a * b\n'
      },
      checkout: {
        renames: [['docs/old guide.md', 'docs/new guide.md']],
        // main moves on after the fork: its change must not show up as part of the PR.
        extraBaseCommits: [{ 'README.md': '# Widgets\n\nNow documented.\n' }]
      }
    })
    const ws = s.checkout.workspace
    expect(runGit(ws, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    expect(() => runGit(ws, ['cat-file', '-e', `${s.checkout.baseSha}^{commit}`])).toThrow()

    const r = await s.run()
    ok(r)
    // The base commit was fetched (objects only), and the checkout stayed shallow and in place.
    runGit(ws, ['cat-file', '-e', `${s.checkout.baseSha}^{commit}`])
    expect(runGit(ws, ['rev-parse', '--is-shallow-repository'])).toBe('true')
    expect(runGit(ws, ['rev-parse', 'HEAD'])).toBe(s.checkout.mergeSha)

    const prompt = sentPrompt(s.devin)
    const ctx = promptContext(prompt)
    expect(ctx.source).toBe('read with git')
    expect(ctx.sourceNote).toContain('HEAD^1..HEAD on the merge commit')
    const list = fileListOf(prompt)
    expect(list).toHaveLength(6)
    expect(lineFor(list, 'docs/old guide.md → docs/new guide.md')).toMatch(/^renamed\s+\+1 -1 /)
    expect(lineFor(list, 'src/obsolete.ts')).toMatch(/^deleted\s+\+0 -1 /)
    expect(lineFor(list, 'img/logo.png')).toMatch(/^added\s+binary /)
    expect(lineFor(list, 'notes/meeting notes.md')).toMatch(/^added\s+\+1 -0 /)
    expect(lineFor(list, 'docs/café menü.md')).toMatch(/^added\s+\+1 -0 /)
    expect(lineFor(list, 'src/math.ts')).toMatch(/^modified\s+\+1 -0 /)
    expect(prompt).not.toContain('Now documented')

    const diff = hunksOf(prompt)
    expect(diff).toContain('rename from docs/old guide.md\nrename to docs/new guide.md')
    expect(diff).toContain('-guide line 6\n+guide line six')
    expect(diff).toContain('deleted file mode 100644\n--- a/src/obsolete.ts\n+++ /dev/null')
    expect(diff).toContain('+++ b/docs/café menü.md\t\n@@ -0,0 +1 @@\n+Crème brûlée')
    expect(diff).toContain('+++ b/notes/meeting notes.md')
    expect(diff).not.toContain('img/logo.png')
    expect(prompt).toMatch(/- 1 file: binary files\.\n {2}- `img\/logo\.png`/)
    expect(r.outputs['diff-truncated']).toBe('false')
  })
})

describe('what is inlined', () => {
  it('an over-budget PR: the list stays complete, what did not fit is named, diff-truncated is set', async () => {
    const head: Files = {}
    for (let i = 1; i <= 12; i++)
      head[`src/module${String(i).padStart(2, '0')}.ts`] = lines(40, `m${i}`)
    const s = await scenario({ head })
    const r = await s.run({ 'max-diff-bytes': '3000' })
    ok(r)
    expect(r.outputs['diff-truncated']).toBe('true')
    const prompt = sentPrompt(s.devin)
    expect(r.outputs['prompt-bytes']).toBe(String(Buffer.byteLength(prompt)))
    const list = fileListOf(prompt)
    expect(list).toHaveLength(12)
    const notShown = list.filter((l) => l.endsWith('[not shown: budget]'))
    const shown = list.filter((l) => !l.includes('[not shown'))
    expect(shown.length).toBeGreaterThan(0)
    expect(notShown.length).toBeGreaterThan(0)
    const diff = hunksOf(prompt)
    expect(Buffer.byteLength(diff)).toBeLessThanOrEqual(3000)
    // Every file left out is named in the left-out section, and none of its lines is in the diff.
    const leftOut = /- (\d+) files?: did not fit the byte budget[^\n]*\n((?: {2}- .*\n)+)/.exec(
      prompt
    )
    expect(leftOut?.[1]).toBe(String(notShown.length))
    for (const l of notShown) {
      const name = /(src\/module\d+\.ts)/.exec(l)?.[1] ?? ''
      expect(leftOut?.[2]).toContain(`\`${name}\``)
      expect(diff).not.toContain(`b/${name}`)
    }
    expect(r.summary).toMatch(/left out \(budget\)/)
  })

  it('lock files and secret-named files are listed but not inlined; exclude-paths leaves hunks out', async () => {
    const s = await scenario({
      head: {
        'package-lock.json': '{\n  "lockfileVersion": 3\n}\n',
        'yarn.lock': 'left-pad@1.3.0:\n  version "1.3.0"\n',
        '.env.production': 'API_URL=https://internal.example.com\n',
        'test/__snapshots__/math.test.ts.snap': 'exports[`mul`] = `6`;\n',
        'fixtures/big.json': '{"rows": []}\n',
        'src/math.ts': 'export const mul = (a: number, b: number) => a * b\n'
      }
    })
    const r = await s.run({ 'exclude-paths': '*.snap\nfixtures/' })
    ok(r)
    const prompt = sentPrompt(s.devin)
    const list = fileListOf(prompt)
    expect(list).toHaveLength(6)
    expect(lineFor(list, 'package-lock.json')).toMatch(/\[not shown: lock file\]$/)
    expect(lineFor(list, 'yarn.lock')).toMatch(/\[not shown: lock file\]$/)
    expect(lineFor(list, '.env.production')).toMatch(/\[not shown: secret file\]$/)
    expect(lineFor(list, 'test/__snapshots__/math.test.ts.snap')).toMatch(
      /\[not shown: excluded\]$/
    )
    expect(lineFor(list, 'fixtures/big.json')).toMatch(/\[not shown: excluded\]$/)
    expect(lineFor(list, 'src/math.ts')).not.toContain('not shown')
    const diff = hunksOf(prompt)
    expect(diff).toContain('+export const mul')
    for (const hidden of [
      'lockfileVersion',
      'left-pad',
      'internal.example.com',
      'exports[',
      'rows'
    ])
      expect(diff).not.toContain(hidden)
    expect(prompt).toContain('- 2 files: lock files: listed, not inlined.')
    expect(prompt).toContain('- 2 files: match `exclude-paths`.')
    expect(r.outputs['diff-truncated']).toBe('false')
  })

  it('env files by their other names are listed but not inlined, committed or not', async () => {
    const value = (name: string): string =>
      `${name}=${createHash('sha256').update(name).digest('hex').slice(0, 24)}`
    const committed: Files = {
      'deploy/prod.env': value('DB_PASSWORD'),
      'docker/compose.env.yml': value('REDIS_PASSWORD'),
      'config/web.env.local': value('SESSION_SECRET')
    }
    const untracked: Files = { 'services/api/.envrc': value('export SIGNING_SECRET') }
    const s = await scenario({
      head: { ...committed, 'src/math.ts': 'export const mul = (a: number, b: number) => a * b\n' }
    })
    writeFiles(s.checkout.workspace, untracked)
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    for (const f of Object.keys(committed))
      expect(lineFor(fileListOf(prompt), f), f).toMatch(/\[not shown: secret file\]$/)
    expect(lineFor(fileListOf(prompt, 'uncommitted'), 'services/api/.envrc')).toMatch(
      /\[not shown: secret file\]$/
    )
    expect(hunksOf(prompt)).toContain('+export const mul')
    for (const v of Object.values({ ...committed, ...untracked }))
      expect(prompt).not.toContain(String(v).split('=')[1])
  })
})

describe('uncommitted work', () => {
  it('packs staged, unstaged and untracked (not ignored) files in their own section', async () => {
    const s = await scenario({
      base: { '.gitignore': '*.log\n', 'src/math.ts': lines(3, 'math') },
      head: { 'src/feature.ts': 'export const f = 1\n' }
    })
    const ws = s.checkout.workspace
    // What earlier steps of the job leave behind.
    writeFiles(ws, {
      'src/math.ts': lines(3, 'math').replace('math line 2', 'math line two'),
      'src/staged.ts': 'export const staged = true\n',
      'gen/out put.txt': 'generated by a step\n',
      'debug.log': 'ignored noise\n'
    })
    runGit(ws, ['add', 'src/staged.ts'])
    // A name that is not UTF-8 (latin1 "é"), staged so it goes through `git diff HEAD` too.
    writeFileSync(Buffer.from(join(ws, 'caf\xe9.txt'), 'latin1'), 'latin1 name\n')
    runGit(ws, ['add', '-A', '--', '.'])
    writeFiles(ws, { 'notes/untracked idea.md': 'try caching\n' })

    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    expect(fileListOf(prompt)).toEqual([
      expect.stringMatching(/^added\s+\+1 -0\s+src\/feature\.ts$/)
    ])
    const list = fileListOf(prompt, 'uncommitted')
    expect(list).toHaveLength(5)
    expect(lineFor(list, 'src/math.ts')).toMatch(/^modified\s+\+1 -1 /)
    expect(lineFor(list, 'src/staged.ts')).toMatch(/^added /)
    expect(lineFor(list, 'gen/out put.txt')).toMatch(/^added /)
    expect(lineFor(list, 'caf\uFFFD.txt')).toMatch(/^added /)
    expect(lineFor(list, 'notes/untracked idea.md')).toMatch(/^added\s+\+1 -0 /)
    expect(prompt).not.toContain('debug.log')
    const diff = hunksOf(prompt, 'uncommitted')
    expect(diff).toContain('-math line 2\n+math line two')
    expect(diff).toContain('+export const staged = true')
    expect(diff).toContain('+try caching')
    expect(diff).toContain('+latin1 name')
    expect(promptContext(prompt).sourceNote).toMatch(/uncommitted work: git diff HEAD/)

    const off = await s.run({ 'include-uncommitted': 'false' })
    ok(off)
    const without = sentPrompts(s.devin)[1] ?? ''
    expect(fileListOf(without, 'uncommitted')).toEqual([])
    expect(without).not.toContain('try caching')
    expect(fileListOf(without)).toHaveLength(1)
  })
})

/** 150 files (two pages of 100), a rename, a removal, and one file the API sends without patch. */
function apiFiles(): FileFixture[] {
  const files: FileFixture[] = [
    {
      filename: 'src/math.ts',
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: '@@ -1,3 +1,4 @@\n export function add() {}\n+export function mul() {}\n'
    },
    {
      filename: 'docs/new name.md',
      previous_filename: 'docs/old name.md',
      status: 'renamed',
      additions: 1,
      deletions: 1,
      changes: 2,
      patch: '@@ -1 +1 @@\n-old\n+new'
    },
    {
      filename: 'src/gone.ts',
      status: 'removed',
      additions: 0,
      deletions: 1,
      changes: 1,
      patch: '@@ -1 +0,0 @@\n-gone'
    },
    { filename: 'assets/huge.bin', status: 'added', additions: 0, deletions: 0, changes: 0 }
  ]
  for (let i = 1; files.length < 150; i++) {
    files.push({
      filename: `gen/file${i}.txt`,
      status: 'added',
      additions: 1,
      deletions: 0,
      changes: 1,
      patch: `@@ -0,0 +1 @@\n+generated ${i}`
    })
  }
  return files
}

describe('the GitHub API fallback', () => {
  function expectApiPrompt(s: PrScenario, prompt: string): void {
    const pages = s.github.requestsTo('GET', '/repos/acme/widgets/pulls/7/files')
    expect(pages.map((q) => q.query.page ?? '1')).toEqual(['1', '2'])
    const ctx = promptContext(prompt)
    expect(ctx.source).toBe('read from the GitHub API')
    expect(ctx.sourceNote).toMatch(/^GitHub API \(pulls\/7\/files\), because git could not: /)
    const list = fileListOf(prompt)
    expect(list).toHaveLength(150)
    expect(lineFor(list, 'docs/old name.md → docs/new name.md')).toMatch(/^renamed /)
    expect(lineFor(list, 'src/gone.ts')).toMatch(/^deleted /)
    expect(lineFor(list, 'assets/huge.bin')).toMatch(/\[not shown: no patch from API\]$/)
    const diff = hunksOf(prompt)
    expect(diff).toContain('+export function mul() {}')
    expect(diff).toContain('rename from docs/old name.md')
    expect(diff).toContain('+generated 146')
  }

  it('is used when the checkout has no origin to fetch the base from', async () => {
    const s = await scenario({})
    const pull = s.github.pulls.get(7)
    if (pull) pull.files = apiFiles()
    runGit(s.checkout.workspace, ['remote', 'remove', 'origin'])
    const r = await s.run()
    ok(r)
    const prompt = sentPrompt(s.devin)
    expectApiPrompt(s, prompt)
    expect(promptContext(prompt).sourceNote).toMatch(
      /could not be fetched from origin \(fatal: 'origin' does not appear to be a git repository\)/
    )
    expect(r.summary).toContain('change from api')
  })

  it('is used when the workspace is not a git repository at all', async () => {
    const s = await scenario({})
    const pull = s.github.pulls.get(7)
    if (pull) pull.files = apiFiles()
    const bare = mkdtempSync(join(tmpdir(), 'devin-handoff-nogit-'))
    cleanups.push(() => rmSync(bare, { recursive: true, force: true }))
    writeFileSync(join(bare, 'stray.txt'), 'not in git\n')
    const r = await s.run({}, { workspace: bare })
    ok(r)
    const prompt = sentPrompt(s.devin)
    expectApiPrompt(s, prompt)
    expect(promptContext(prompt).sourceNote).toMatch(/not a git repository/)
    expect(promptContext(prompt).sourceNote).toMatch(/uncommitted work: not read/)
    expect(prompt).not.toContain('stray.txt')
  })
})

// Credentials are assembled at run time from a seeded generator: this file holds none whole.
const rand = seededRandom(4242)

function plantedSecrets() {
  const keyBody = `MIIEowIBAAKCAQEA${rand(1560, BASE64)}`
  const keyLines = keyBody.match(/.{1,64}/g) ?? []
  const s = {
    githubToken: ['gh', 'p_', rand(36)].join(''),
    bodyToken: ['gh', 'p_', rand(36)].join(''),
    awsKeyId: ['AK', 'IA', rand(16, UPPER_DIGITS)].join(''),
    awsSecret: rand(40, BASE64),
    slackWebhook: [
      'https://hooks.',
      'slack.com/services/T',
      rand(10, UPPER_DIGITS),
      '/B',
      rand(10, UPPER_DIGITS),
      '/',
      rand(24)
    ].join(''),
    devinKey: ['co', 'g_', rand(48)].join(''),
    keyLines
  }
  const pem = pemBlock('RSA', keyBody).split('\n')
  return {
    values: [
      s.githubToken,
      s.bodyToken,
      s.awsKeyId,
      s.awsSecret,
      s.slackWebhook,
      s.devinKey,
      ...keyLines
    ],
    head: {
      'deploy/settings.py': [
        '# deployment settings',
        `GITHUB_TOKEN = "${s.githubToken}"`,
        `aws_access_key_id = ${s.awsKeyId}`,
        `aws_secret_access_key = ${s.awsSecret}`,
        ''
      ].join('\n'),
      'deploy/bootstrap.txt': ['bootstrap material follows', ...pem, ''].join('\n')
    } satisfies Files,
    untracked: {
      'notes/hooks.txt': `slack: ${s.slackWebhook}\nDEVIN_API_KEY=${s.devinKey}\n`
    } satisfies Files,
    body: `Adds deploy settings.\n\nFor local testing use ${s.bodyToken} please.`
  }
}

/** No value, nor any 16-character piece of one, appears in `text`. */
function expectNoneOf(values: string[], text: string): void {
  for (const v of values) {
    for (let i = 0; i + 16 <= v.length; i += 4) {
      if (text.includes(v.slice(i, i + 16)))
        expect.fail(`a piece of a planted value leaked: …${v.slice(i, i + 4)}…`)
    }
  }
}

describe('planted credentials', () => {
  async function planted(): Promise<{ s: PrScenario; values: string[] }> {
    const p = plantedSecrets()
    const s = await scenario({ head: p.head, body: p.body })
    writeFiles(s.checkout.workspace, p.untracked)
    return { s, values: p.values }
  }

  it('secret-scan redact: no value reaches Devin or anything else; the count is reported', async () => {
    const { s, values } = await planted()
    const r = await s.run({ 'secret-scan': 'redact' })
    ok(r)
    const prompt = sentPrompt(s.devin)
    const all = everything(s, [r])
    expectNoneOf(values, all)
    // The places were really packed: each kind shows up as a placeholder.
    for (const label of [
      'GitHub token',
      'AWS access key ID',
      'AWS secret access key',
      'private key',
      'Slack webhook URL',
      'Devin API key'
    ])
      expect(prompt).toContain(`[REDACTED: ${label}`)
    expect(hunksOf(prompt)).toContain('+GITHUB_TOKEN = "[REDACTED: GitHub token]"')
    expect(hunksOf(prompt, 'uncommitted')).toContain('+slack: [REDACTED: Slack webhook URL]')
    expect(prompt).toContain('For local testing use [REDACTED: GitHub token] please.')
    const n = Number(/- (\d+) values that looked like credentials/.exec(prompt)?.[1])
    expect(n).toBeGreaterThanOrEqual(7)
    expect(r.summary).toContain(`${n} secrets redacted`)
    expect(s.github.liveComments(7)[0]?.body).toContain(`${n} secrets redacted`)
    const warnings = r.commands.filter((c) => c.command === 'warning').map((c) => c.message)
    expect(warnings.some((w) => w.includes('deploy/settings.py:2'))).toBe(true)
  })

  it('key bodies whose BEGIN line is outside the hunk, or that never had one', async () => {
    const pem = (o: KeyExportOptions<'pem'>): string => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      return String(privateKey.export(o))
    }
    const body = (p: string): string[] => p.split('\n').filter((l) => l && !l.startsWith('-'))
    // A setting after a key changes: the hunk's context is the key's last lines and END line.
    const inYaml = pem({ type: 'pkcs1', format: 'pem' })
    const yaml = (port: number): string =>
      `tls:\n  key: |\n${inYaml.trim().replace(/^/gm, '    ')}\n  port: ${port}\n`
    // A one-line DER key in a settings file: no PEM armour at all.
    const oneLine = body(pem({ type: 'pkcs8', format: 'pem' })).join('')
    const s = await scenario({
      base: { 'deploy/values.yaml': yaml(443) },
      head: {
        'deploy/values.yaml': yaml(8443),
        'deploy/signing.ini': `[signing]\nkey = ${oneLine}\nalgorithm = RS256\n`
      }
    })
    const r = await s.run()
    ok(r)
    const diff = hunksOf(sentPrompt(s.devin))
    expect(diff).toContain('+  port: 8443')
    expect(diff).not.toContain('BEGIN RSA PRIVATE KEY')
    expect(diff).toMatch(/^ {5}\[REDACTED: private key\]$/m)
    expect(diff).toContain('+key = [REDACTED: private key]')
    expect(diff).toContain('+algorithm = RS256')
    expectNoneOf([...body(inYaml).slice(-3), oneLine], everything(s, [r]))
  })

  it('secret-scan fail: the step fails naming file and line, and Devin gets no request at all', async () => {
    const { s, values } = await planted()
    const r = await s.run({ 'secret-scan': 'fail' })
    expect(r.code).toBe(1)
    expect(s.devin.requests).toHaveLength(0)
    const error = r.commands.find((c) => c.command === 'error')?.message ?? ''
    expect(error).toMatch(/^Possible credentials found, nothing was sent: /)
    expect(error).toContain('deploy/settings.py:2 (GitHub token)')
    expect(error).toMatch(/deploy\/bootstrap\.txt:2 \(private key\)/)
    expect(error).toMatch(/notes\/hooks\.txt:1 \(Slack webhook URL\)/)
    expect(error).toMatch(/PR body:3 \(GitHub token\)/)
    expect(r.outputs.result).toBe('error')
    const all = everything(s, [r])
    expectNoneOf(values, all)
  })
})
