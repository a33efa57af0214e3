import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  findSecrets,
  findSecretsInMany,
  redactSecrets,
  type SecretFinding
} from '../../../src/hygiene/secrets.ts'
import {
  BASE64,
  DASHES,
  DIGITS,
  UPPER,
  pemBlock,
  seededRandom
} from '../../helpers/fake-secrets.ts'

// Every credential below is assembled at run time from a seeded generator, so this file holds no
// token-shaped literal for scanners to trip over.
const rand = seededRandom(20240607)
const pem = pemBlock
const b64 = (s: string): string => Buffer.from(s).toString('base64')

interface Case {
  name: string
  secret: string
  /** Text around the secret on its (first/last) line. */
  before?: string
  after?: string
  label: RegExp
  ruleId?: RegExp
}

const rsaKey = pem('RSA', `MIIEowIBAAKCAQEA${rand(1560, BASE64)}`)
const cases: Case[] = [
  ...['ghp', 'gho', 'ghs', 'ghu', 'ghr'].map((p) => ({
    name: `GitHub ${p}_ token`,
    secret: `${p}_${rand(36)}`,
    before: 'GITHUB_TOKEN=',
    label: /^GitHub token$/,
    ruleId: /secretlint-rule-github$/
  })),
  {
    name: 'GitHub fine-grained token',
    secret: `github_pat_11${rand(20)}_${rand(59)}`,
    before: 'token: ',
    label: /^GitHub token$/
  },
  { name: 'npm token', secret: `npm_${rand(36)}`, before: 'NPM_TOKEN="', after: '"', label: /npm/ },
  {
    name: '.npmrc auth token',
    secret: `${rand(8, 'abcdef0123')}-${rand(4, DIGITS)}-4${rand(3, DIGITS)}-a${rand(3, DIGITS)}-${rand(12, 'abcdef0123456789')}`,
    before: '//npm.registry.example.test/:_authToken=',
    label: /^npm auth token$/
  },
  {
    name: 'AWS access key id',
    secret: `AKIA${rand(16, UPPER + DIGITS)}`,
    before: 'aws_access_key_id = ',
    label: /^AWS access key ID$/
  },
  {
    name: 'AWS secret access key',
    secret: `${rand(39, BASE64)}Q`,
    before: 'AWS_SECRET_ACCESS_KEY=',
    label: /^AWS secret access key$/
  },
  {
    // The preset's trailing \b misses values ending in a non-word char.
    name: 'AWS secret access key ending in /',
    secret: `${rand(39, BASE64)}/`,
    before: 'aws_secret_access_key: "',
    after: '"',
    label: /^AWS secret access key$/,
    ruleId: /^devin-handoff\//
  },
  {
    name: 'AWS session token',
    secret: `IQoJb3JpZ2luX2Vj${rand(300, BASE64)}`,
    before: 'AWS_SESSION_TOKEN=',
    label: /^AWS session token$/
  },
  {
    name: 'Slack bot token',
    secret: `xoxb-${rand(12, DIGITS)}-${rand(13, DIGITS)}-${rand(24)}`,
    before: 'slack: ',
    label: /^Slack token$/
  },
  {
    name: 'Slack webhook',
    secret: `https://hooks.slack.com/services/T${rand(10, UPPER)}/B${rand(10, UPPER)}/${rand(24)}`,
    before: 'SLACK_WEBHOOK_URL=',
    label: /^Slack webhook URL$/
  },
  {
    // Needs the diff prefixes neutralized: the preset's PEM rule rejects `+`-prefixed bodies.
    name: 'RSA private key',
    secret: rsaKey,
    label: /^private key$/,
    ruleId: /secretlint-rule-privatekey$/
  },
  {
    name: 'EC private key (short, not "MI…")',
    secret: pem('EC', `MHcCAQEEI${rand(150, BASE64)}`),
    label: /^private key$/
  },
  {
    name: 'OpenSSH private key',
    secret: pem('OPENSSH', `b3BlbnNzaC1rZXktdjEAAAAA${rand(360, BASE64)}`),
    label: /^private key$/
  },
  {
    name: 'legacy encrypted RSA key',
    secret: pem(
      'RSA',
      `${rand(1600, BASE64)}`,
      `Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${rand(32, '0123456789ABCDEF')}`
    ),
    label: /^private key$/
  },
  {
    name: 'encrypted PKCS#8 key',
    secret: pem('ENCRYPTED', `MIIFLTBXBgkqhkiG9w0BBQ0w${rand(1600, BASE64)}`),
    label: /^private key$/
  },
  {
    name: 'GCP service account key',
    secret: JSON.stringify(pem('', `MIIEvQIBADANBgkqhkiG9w0BAQEFAASC${rand(1560, BASE64)}`)).slice(
      1,
      -1
    ),
    before: '  "private_key": "',
    after: '\\n",',
    label: /^private key$/
  },
  {
    name: 'Devin service user key',
    secret: `cog_${rand(48)}`,
    before: 'DEVIN_API_KEY=',
    label: /^Devin API key$/,
    ruleId: /^devin-handoff\/devin-key$/
  },
  { name: 'Devin legacy key', secret: `apk_${rand(32)}`, before: 'key ', label: /^Devin API key$/ },
  {
    name: 'Devin personal key',
    secret: `apk_user_${rand(40)}`,
    before: 'export DEVIN_API_KEY=',
    label: /^Devin API key$/
  },
  {
    name: 'Bearer header',
    secret: `eyJhbGciOiJIUzI1NiJ9.${rand(60)}.${rand(43)}`,
    before: 'curl -H "Authorization: Bearer ',
    after: '" https://api.example.org',
    label: /^Authorization header credential$/
  },
  {
    name: 'Basic header',
    secret: b64(`deployer:${rand(18)}`),
    before: 'Authorization: Basic ',
    label: /^Authorization header credential$/
  },
  {
    name: 'basic-auth URL',
    secret: `deploybot:${rand(20)}`,
    before: 'git remote add origin https://',
    after: '@git.example.com/org/repo.git',
    label: /URL credentials/
  },
  {
    name: 'basic-auth URL with encoded punctuation',
    secret: `ci:${rand(6)}%40${rand(6)}.~${rand(4)}`,
    before: 'REGISTRY=https://',
    after: '@registry.internal:8443/v2/',
    label: /^URL credentials$/,
    ruleId: /^devin-handoff\/url-credentials$/
  },
  {
    name: 'database URL',
    secret: `postgres://app:${rand(16)}@db.prod.internal:5432/app`,
    before: 'DATABASE_URL=',
    label: /database connection string/
  }
]

/** Where the secret sits in `doc`: from its first line's text to its last line's end. */
function locate(doc: string, secret: string): { start: number; end: number; line: number } {
  const pieces = secret.split('\n').filter((p) => p !== '')
  const first = pieces[0] ?? ''
  const last = pieces[pieces.length - 1] ?? ''
  const start = doc.indexOf(first)
  const end = doc.indexOf(last, start + first.length - last.length) + last.length
  expect(start).toBeGreaterThanOrEqual(0)
  return { start, end, line: doc.slice(0, start).split('\n').length }
}

function expectGoneAfterRedaction(doc: string, secret: string, findings: SecretFinding[]): string {
  const redacted = redactSecrets(doc, findings)
  const pieces = secret.split('\n').filter((p) => p !== '')
  const frame = pieces.reduce((text, piece) => text.replace(piece, '\u0000'), doc)
  let checked = 0
  for (const piece of pieces) {
    for (let i = 0; i + 6 <= piece.length; i++) {
      const window = piece.slice(i, i + 6)
      if (frame.includes(window)) continue
      checked++
      expect(redacted.includes(window), `"${window}" survived`).toBe(false)
    }
  }
  expect(checked).toBeGreaterThan(0)
  expect(JSON.stringify(findings)).not.toContain(pieces[0])
  return redacted
}

function plainDoc(c: Case): string {
  return [
    'Intro line one.',
    'Some more text here.',
    `${c.before ?? ''}${c.secret}${c.after ?? ''}`,
    'tail line'
  ].join('\n')
}

function diffDoc(c: Case, prefix: '+' | '-'): string {
  const body = `${c.before ?? ''}${c.secret}${c.after ?? ''}`.split('\n').map((l) => prefix + l)
  return [
    'diff --git a/config/settings b/config/settings',
    'index 1111111..2222222 100644',
    '--- a/config/settings',
    '+++ b/config/settings',
    `@@ -1,2 +1,${body.length + 2} @@`,
    ' context line',
    ...body,
    ' context end'
  ].join('\n')
}

function expectFound(doc: string, c: Case, findings: SecretFinding[]): SecretFinding {
  const at = locate(doc, c.secret)
  const hit = findings.find((f) => f.start <= at.start && f.end >= at.end)
  expect(hit, `${c.name} not covered by ${JSON.stringify(findings)}`).toBeDefined()
  const f = hit as SecretFinding
  expect(f.line).toBe(at.line)
  expect(f.label).toMatch(c.label)
  if (c.ruleId) {
    const rules = findings.filter((x) => x.start < at.end && x.end > at.start).map((x) => x.ruleId)
    expect(rules.some((r) => c.ruleId?.test(r))).toBe(true)
  }
  return f
}

describe('findSecrets on planted credentials', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s in plain text', async (_name, c) => {
    const doc = plainDoc(c)
    const findings = await findSecrets(doc)
    expectFound(doc, c, findings)
    const redacted = expectGoneAfterRedaction(doc, c.secret, findings)
    expect(redacted.startsWith('Intro line one.\nSome more text here.\n')).toBe(true)
    expect(redacted.endsWith('\ntail line')).toBe(true)
    expect(redacted).toContain('[REDACTED: ')
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s on diff + lines', async (_name, c) => {
    const doc = diffDoc(c, '+')
    const findings = await findSecrets(doc)
    expectFound(doc, c, findings)
    const redacted = expectGoneAfterRedaction(doc, c.secret, findings)
    expect(redacted).toContain('@@ -1,2 +1,')
    expect(redacted.endsWith('\n context end')).toBe(true)
  })

  it('finds a private key on removed (-) diff lines and redacts the block whole', async () => {
    const c = cases.find((x) => x.name === 'RSA private key') as Case
    const doc = diffDoc(c, '-')
    const findings = await findSecrets(doc)
    expectFound(doc, c, findings)
    const redacted = expectGoneAfterRedaction(doc, c.secret, findings)
    expect(redacted).not.toMatch(/BEGIN|END RSA/)
  })

  it('redacts a key whose END line was cut off, up to the last key-looking line', async () => {
    const lines = rsaKey.split('\n').slice(0, 6)
    const doc = `${lines.map((l) => `+${l}`).join('\n')}\n... 40 more lines not shown\nnext file`
    const findings = await findSecrets(doc)
    expect(findings).toHaveLength(1)
    expect(redactSecrets(doc, findings)).toBe(
      '+[REDACTED: private key]\n... 40 more lines not shown\nnext file'
    )
  })

  it('keeps the variable name and replaces only the AWS secret value', async () => {
    const value = `${rand(39, BASE64)}k`
    const doc = `[default]\nAWS_SECRET_ACCESS_KEY=${value}\nregion = eu-west-1`
    const findings = await findSecrets(doc)
    expect(findings.map((f) => [doc.slice(f.start, f.end) === value, f.line])).toEqual([[true, 2]])
    expect(redactSecrets(doc, findings)).toBe(
      '[default]\nAWS_SECRET_ACCESS_KEY=[REDACTED: AWS secret access key]\nregion = eu-west-1'
    )
  })

  it('ignores secretlint-disable comments, which the PR author controls', async () => {
    const token = `ghp_${rand(36)}`
    const doc = `// secretlint-disable\nconst t = "${token}" // secretlint-disable-line\n`
    const findings = await findSecrets(doc)
    expect(findings.map((f) => doc.slice(f.start, f.end))).toHaveLength(1)
    expect(redactSecrets(doc, findings)).not.toContain(token.slice(4, 12))
  })

  it('keeps offsets and lines right with a BOM and CRLF line ends', async () => {
    const token = `npm_${rand(36)}`
    const doc = `\uFEFFfirst\r\nsecond\r\ntoken=${token}\r\n`
    const [f] = await findSecrets(doc)
    expect(f && doc.slice(f.start, f.end)).toBe(token)
    expect(f?.line).toBe(3)
  })

  it('returns sorted, non-overlapping findings for a text full of secrets', async () => {
    const doc = cases.map((c) => plainDoc(c)).join('\n\n')
    const findings = await findSecrets(doc)
    expect(findings.length).toBeGreaterThanOrEqual(cases.length)
    for (let i = 1; i < findings.length; i++) {
      expect((findings[i] as SecretFinding).start).toBeGreaterThanOrEqual(
        (findings[i - 1] as SecretFinding).end
      )
    }
    for (const c of cases) expectFound(doc, c, findings)
  })
})

describe('findSecrets on clean text', () => {
  const sha1 = rand(40, '0123456789abcdef')
  const png = `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${rand(3000, BASE64)}==`
  const clean = [
    "const password = process.env.DB_PASSWORD ?? ''",
    "const token = core.getInput('devin-api-key', { required: true })",
    'headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },',
    "curl -H 'Authorization: Bearer $DEVIN_API_KEY' https://api.devin.ai/v3/self",
    '-H "Authorization: Bearer cog_your_token_here"',
    'DEVIN_API_KEY=apk_user_your_devin_api_key_here',
    'GITHUB_TOKEN=ghp_your_github_token_here',
    'const apkBuildOutputDirectory = "apk_build_output_v2_release"',
    `commit ${sha1} (HEAD -> main)`,
    `sha256: ${rand(64, '0123456789abcdef')}`,
    `id: ${rand(8, 'abcdef0123')}-${rand(4, 'abcdef0123')}-4${rand(3, 'abcdef0123')}-8${rand(3, 'abcdef0123')}-${rand(12, 'abcdef0123')}`,
    `"integrity": "sha512-${rand(86, BASE64)}=="`,
    `<img src="${png}">`,
    'DATABASE_URL=postgres://postgres:postgres@localhost:5432/test',
    'git clone https://USER:TOKEN@github.com/o/r.git or https://username:password@example.com',
    'url: https://x-access-token:${{ secrets.GITHUB_TOKEN }}@github.com/o/r.git',
    '//npm.registry.example.test/:_authToken=${NPM_TOKEN}',
    'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'aws_account_id = 123456789012',
    `const HEADER = "${DASHES}BEGIN RSA PRIVATE KEY${DASHES}"`,
    'if (!pem.startsWith(HEADER)) throw new Error("not a key: " + pem.slice(0, 40))',
    `const FOOTER = "${DASHES}END RSA PRIVATE KEY${DASHES}"`,
    `${DASHES}BEGIN PRIVATE KEY${DASHES}\n...\n${DASHES}END PRIVATE KEY${DASHES}`,
    '- a list item',
    '+ another list item',
    '--- a horizontal rule and a diff header',
    'see https://github.com/owner/repo/pull/12 and http://localhost:8080/path'
  ].join('\n')

  it('yields no findings for code, hashes, UUIDs, base64 images and placeholders', async () => {
    expect(await findSecrets(clean)).toEqual([])
  })

  it('yields no findings for the same text as a diff', async () => {
    const diff = `@@ -0,0 +1,40 @@\n${clean
      .split('\n')
      .map((l) => `+${l}`)
      .join('\n')}`
    expect(await findSecrets(diff)).toEqual([])
  })

  it('handles empty text', async () => {
    expect(await findSecrets('')).toEqual([])
  })
})

describe('findSecretsInMany', () => {
  it('scans each text separately, in input order', async () => {
    const token = `ghs_${rand(36)}`
    const texts = ['nothing here', `line1\nGH=${token}`, '', `cog_${rand(40)} and ${token}`]
    const many = await findSecretsInMany(texts)
    expect(many).toHaveLength(4)
    expect(many[0]).toEqual([])
    expect(many[1]?.map((f) => [f.start, f.end, f.line, f.label])).toEqual([
      [9, 49, 2, 'GitHub token']
    ])
    expect(many[2]).toEqual([])
    expect(many[3]?.map((f) => f.label)).toEqual(['Devin API key', 'GitHub token'])
    for (let i = 0; i < texts.length; i++) {
      expect(many[i]).toEqual(await findSecrets(texts[i] ?? ''))
    }
  })
})

describe('redactSecrets', () => {
  const text = 'aaa SECRET1 bbb SECRET2 ccc'
  const f = (start: number, end: number, label = 'X'): SecretFinding => ({
    start,
    end,
    line: 1,
    ruleId: 'test',
    label
  })

  it('replaces several findings, in any order, keeping the text around them', () => {
    expect(redactSecrets(text, [f(16, 23, 'B'), f(4, 11, 'A')])).toBe(
      'aaa [REDACTED: A] bbb [REDACTED: B] ccc'
    )
  })

  it('merges overlapping and duplicate findings into one placeholder', () => {
    expect(redactSecrets(text, [f(4, 9), f(7, 11), f(4, 11)])).toBe(
      'aaa [REDACTED: X] bbb SECRET2 ccc'
    )
    expect(redactSecrets(text, [f(4, 11, 'A'), f(8, 23, 'B')])).toBe('aaa [REDACTED: A, B] ccc')
  })

  it('keeps adjacent findings apart and clamps out-of-range ones', () => {
    expect(redactSecrets(text, [f(4, 8, 'A'), f(8, 11, 'B')])).toBe(
      'aaa [REDACTED: A][REDACTED: B] bbb SECRET2 ccc'
    )
    expect(redactSecrets(text, [f(24, 99), f(-5, 3), f(5, 5)])).toBe(
      '[REDACTED: X] SECRET1 bbb SECRET2 [REDACTED: X]'
    )
  })

  it('returns the text unchanged without findings', () => {
    expect(redactSecrets(text, [])).toBe(text)
  })
})

describe('performance and loading', () => {
  // Catastrophic backtracking would take minutes: vitest's per-test timeout (60 s) catches it, so
  // no wall-clock bound of our own races a loaded machine here.
  it('scans 1 MB of clean text and pathological key headers without blowing up', async () => {
    const line = 'const value = computeSomething(input, options) // plain words 0123456789\n'
    const big = line.repeat(Math.ceil(1_000_000 / line.length))
    const headers = `${DASHES}BEGIN PRIVATE KEY${DASHES}`.repeat(30_000)
    await findSecrets('warm up')
    for (const text of [big, headers]) expect(await findSecrets(text)).toEqual([])
  })

  it('does not load secretlint until the first scan', () => {
    const url = new URL('../../../src/hygiene/secrets.ts', import.meta.url).href
    const script = `
      import { registerHooks } from 'node:module'
      const seen = []
      registerHooks({ resolve(spec, ctx, next) {
        if (spec.includes('@secretlint')) seen.push(spec)
        // src/ names its own modules by their built '.js' names
        try { return next(spec, ctx) } catch (err) {
          if (spec.startsWith('.') && spec.endsWith('.js')) return next(spec.slice(0, -3) + '.ts', ctx)
          throw err
        }
      } })
      const m = await import(${JSON.stringify(url)})
      const before = seen.length
      await m.findSecrets('x')
      console.log(JSON.stringify({ before, after: seen.length }))
    `
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      encoding: 'utf8'
    })
    expect(run.stderr).not.toMatch(/Error/)
    const result = JSON.parse(run.stdout.trim()) as { before: number; after: number }
    expect(result.before).toBe(0)
    expect(result.after).toBeGreaterThan(0)
  })
})
