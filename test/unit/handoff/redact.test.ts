import { describe, expect, it } from 'vitest'
import type { ListEntry } from '../../../src/handoff/diff.ts'
import type { Ctx, FileState } from '../../../src/handoff/pack-types.ts'
import { keyOf } from '../../../src/handoff/paths.ts'
import { renderFiles, type SelectedFile } from '../../../src/handoff/patch-select.ts'
import { refit, screen } from '../../../src/handoff/redact.ts'
import { SecretsFoundError, type SecretScan } from '../../../src/hygiene/secret-screen.ts'
import { seededRandom } from '../../helpers/fake-secrets.ts'

const rand = seededRandom(99)
const TOKEN = `ghp_${rand(36)}`

function file(path: string, hunks: Array<[number, number, string]>): FileState {
  const key = keyOf(path)
  const entry: ListEntry = { key, status: 'modified', additions: 1, deletions: 0, binary: false }
  const shown: SelectedFile = {
    key,
    header: `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`,
    hunks: hunks.map(([oldStart, newStart, text]) => ({ oldStart, newStart, text })),
    leftOut: 0
  }
  return { entry, section: 'commits', shown }
}

const hunk = (n: number): [number, number, string] => [n, n, `@@ -${n} +${n} @@\n-a${n}\n+b${n}\n`]

function ctx(mode: SecretScan, warnings: string[] = []): Ctx {
  return {
    opts: { secretScan: mode } as Ctx['opts'],
    log: { info: () => undefined, warning: (m) => warnings.push(m), debug: () => undefined },
    budget: { remaining: 0 },
    classify: () => undefined
  }
}

describe('refit', () => {
  const bytes = (states: FileState[]): number =>
    Buffer.byteLength(renderFiles(states.flatMap((s) => (s.shown ? [s.shown] : []))))

  it('changes nothing that fits', () => {
    const states = [file('a.txt', [hunk(1), hunk(5)]), file('b.txt', [hunk(1)])]
    const before = JSON.stringify(states)
    refit(states, bytes(states))
    expect(JSON.stringify(states)).toBe(before)
  })

  it('drops hunks from the end, last file first, counting them as left out', () => {
    const states = [file('a.txt', [hunk(1), hunk(5)]), file('b.txt', [hunk(1), hunk(9)])]
    const max = bytes(states) - Buffer.byteLength(hunk(9)[2])
    refit(states, max)
    expect(states[1]?.shown?.hunks.map((h) => h.newStart)).toEqual([1])
    expect(states[1]?.shown?.leftOut).toBe(1)
    expect(states[0]?.shown?.hunks).toHaveLength(2)
    expect(bytes(states)).toBe(max)
  })

  it('takes a file out for budget when none of its hunks fit', () => {
    const states = [file('a.txt', [hunk(1)]), file('b.txt', [hunk(1), hunk(9)])]
    const firstOnly = bytes([file('a.txt', [hunk(1)])])
    refit(states, firstOnly)
    expect(states[1]?.shown).toBeUndefined()
    expect(states[1]?.reason).toBe('budget')
    expect(states[0]?.shown?.hunks).toHaveLength(1)
    expect(bytes(states)).toBeLessThanOrEqual(firstOnly)
  })

  it('skips files that show nothing', () => {
    const listed: FileState = { ...file('x.bin', []), shown: undefined, reason: 'binary' }
    const states = [file('a.txt', [hunk(1), hunk(5)]), listed]
    refit(states, 0)
    expect(states[1]).toBe(listed)
    expect(listed.reason).toBe('binary')
    expect(states[0]?.shown).toBeUndefined()
  })
})

describe('screen', () => {
  const withSecret = (): FileState[] => [
    file('src/config.ts', [
      [1, 1, '@@ -1,2 +1,2 @@\n ctx\n-old\n+new\n'],
      [10, 10, `@@ -10,2 +10,3 @@\n ctx\n+const token = '${TOKEN}'\n ctx\n`]
    ]),
    file('README.md', [hunk(3)])
  ]

  it('redacts in place, keeping each hunk’s lines, and names the new-file line', async () => {
    const warnings: string[] = []
    const states = withSecret()
    const redactions = await screen(ctx('redact', warnings), states)
    expect(redactions).toEqual([
      { where: 'src/config.ts:11', label: 'GitHub token', ruleId: expect.any(String) }
    ])
    expect(warnings).toEqual([
      'Possible GitHub token in the diff at src/config.ts:11: redacted before sending'
    ])
    const [first, second] = states[0]?.shown?.hunks ?? []
    expect(first?.text).toBe('@@ -1,2 +1,2 @@\n ctx\n-old\n+new\n')
    expect(second?.text).toBe(
      "@@ -10,2 +10,3 @@\n ctx\n+const token = '[REDACTED: GitHub token]'\n ctx\n"
    )
    expect(second?.newStart).toBe(10)
    expect(states[1]?.shown?.hunks[0]?.text).toBe(hunk(3)[2])
  })

  it('refuses with secret-scan fail, and leaves everything off', async () => {
    await expect(screen(ctx('fail'), withSecret())).rejects.toBeInstanceOf(SecretsFoundError)
    const states = withSecret()
    expect(await screen(ctx('off'), states)).toEqual([])
    expect(states[0]?.shown?.hunks[1]?.text).toContain(TOKEN)
  })
})
