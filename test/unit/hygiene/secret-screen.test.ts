import { describe, expect, it } from 'vitest'
import {
  perLine,
  screenTexts,
  SecretsFoundError,
  type Redaction,
  type ScreenPart
} from '../../../src/hygiene/secret-screen.ts'
import { BASE64, pemBlock, seededRandom } from '../../helpers/fake-secrets.ts'

const rand = seededRandom(424242)
const TOKEN = `ghp_${rand(36)}`
const KEY = pemBlock('RSA', `MIIEowIBAAKCAQEA${rand(700, BASE64)}`)

function part(name: string, text: string): ScreenPart {
  return {
    text,
    where: (line) => `${name}:${line}`,
    warning: (label, line) => `Possible ${label} in ${name} (line ${line})`
  }
}

function recorder(): { warning: (m: string) => void; lines: string[] } {
  const lines: string[] = []
  return { warning: (m) => lines.push(m), lines }
}

describe('perLine', () => {
  const f = (start: number, end: number) => ({ start, end, tag: 'k' })

  it('leaves a finding within one line as it is', () => {
    const text = '+token = abcdef\n'
    expect(perLine(text, [f(9, 15)])).toEqual([f(9, 15)])
  })

  it('splits a finding at line ends and keeps the first character of each line', () => {
    const text = ' ctx\n+AAAA\n+BBBB\n+CCCC\n ctx'
    // From the `+` of the first key line to the end of the last one.
    const start = text.indexOf('+AAAA')
    const end = text.indexOf('\n ctx', start)
    const pieces = perLine(text, [f(start, end)])
    expect(pieces.map((p) => text.slice(p.start, p.end))).toEqual(['AAAA', 'BBBB', 'CCCC'])
    expect(pieces.every((p) => p.tag === 'k')).toBe(true)
  })

  it('keeps the part of the first line before the finding, and a finding at offset 0', () => {
    const text = 'key: AAAA\nBBBB'
    const pieces = perLine(text, [f(5, text.length)])
    expect(pieces.map((p) => text.slice(p.start, p.end))).toEqual(['AAAA', 'BBB'])
    expect(perLine('+X', [f(0, 2)]).map((p) => [p.start, p.end])).toEqual([[1, 2]])
  })

  it('drops what would be empty after keeping the prefix', () => {
    expect(perLine('a\n+\nb', [f(2, 3)])).toEqual([])
  })
})

describe('screenTexts', () => {
  it('returns the texts unchanged with secret-scan off', async () => {
    const log = recorder()
    const parts = [part('PR body', `token ${TOKEN}`)]
    expect(await screenTexts(parts, 'off', log)).toEqual({
      texts: [`token ${TOKEN}`],
      redactions: []
    })
    expect(log.lines).toEqual([])
  })

  it('returns empty texts without scanning', async () => {
    expect(await screenTexts([part('a', ''), part('b', '')], 'fail', recorder())).toEqual({
      texts: ['', ''],
      redactions: []
    })
  })

  it('redacts each finding in place, records where, and warns once per finding', async () => {
    const log = recorder()
    const { texts, redactions } = await screenTexts(
      [part('task', 'Fix the build'), part('PR body', `Hello\nGITHUB_TOKEN=${TOKEN}\nbye`)],
      'redact',
      log
    )
    expect(texts).toEqual(['Fix the build', 'Hello\nGITHUB_TOKEN=[REDACTED: GitHub token]\nbye'])
    expect(redactions).toEqual([
      { where: 'PR body:2', label: 'GitHub token', ruleId: expect.stringMatching(/github$/) }
    ])
    expect(log.lines).toEqual(['Possible GitHub token in PR body (line 2)'])
    expect(JSON.stringify({ texts, redactions, lines: log.lines })).not.toContain(TOKEN)
  })

  it('line-wise, keeps every line and its diff prefix', async () => {
    const hunk = `@@ -1,2 +1,${KEY.split('\n').length + 2} @@\n ctx\n${KEY.split('\n')
      .map((l) => `+${l}`)
      .join('\n')}\n+after\n`
    const { texts, redactions } = await screenTexts([part('key.pem', hunk)], 'redact', recorder(), {
      lineWise: true
    })
    const out = texts[0] ?? ''
    expect(out.split('\n')).toHaveLength(hunk.split('\n').length)
    const inner = out.split('\n').slice(2, -2)
    expect(inner.length).toBeGreaterThan(5)
    for (const line of inner) expect(line).toMatch(/^\+\[REDACTED: private key\]$/)
    expect(out).toContain('\n+after\n')
    expect(out).not.toContain(KEY.split('\n')[1] ?? 'x')
    expect(redactions.map((r) => r.where)).toEqual(['key.pem:3'])
  })

  it('refuses with secret-scan fail, naming every place and no value', async () => {
    const log = recorder()
    const run = screenTexts(
      [part('task', `use ${TOKEN}`), part('PR body', `x\ny\n${TOKEN}`)],
      'fail',
      log
    )
    const err = await run.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SecretsFoundError)
    expect((err as Error).message).toBe(
      'Possible credentials found, nothing was sent: task:1 (GitHub token), PR body:3 (GitHub token)'
    )
    expect((err as SecretsFoundError).redactions.map((r) => r.where)).toEqual([
      'task:1',
      'PR body:3'
    ])
    expect((err as Error).message).not.toContain(TOKEN)
    expect(log.lines).toEqual([])
  })
})

describe('SecretsFoundError', () => {
  it('names at most 20 places and counts the rest', () => {
    const many: Redaction[] = Array.from({ length: 23 }, (_, i) => ({
      where: `f:${i + 1}`,
      label: 'npm token',
      ruleId: 'r'
    }))
    const e = new SecretsFoundError(many)
    expect(e.name).toBe('SecretsFoundError')
    expect(e.redactions).toHaveLength(23)
    expect(e.message).toMatch(/f:20 \(npm token\), … 3 more$/)
    expect(e.message).not.toContain('f:21')
  })
})
