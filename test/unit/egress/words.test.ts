import { describe, expect, it } from 'vitest'
import { screenDevinWords } from '../../../src/egress/words.ts'
import { ALNUM, seededRandom } from '../../helpers/fake-secrets.ts'

const rand = seededRandom(1212)
// A GitHub token shape, built at run time so no literal sits in the file.
const token = `ghp_${rand(36, ALNUM)}`

describe('screenDevinWords', () => {
  it('redacts a credential Devin quoted, whatever secret-scan says, and says where', async () => {
    const warned: string[] = []
    const out = await screenDevinWords(`Done.\nI used the token ${token} to push.`, {
      warning: (m) => warned.push(m)
    })
    expect(out).not.toContain(token)
    expect(out.split('\n')).toHaveLength(2)
    expect(out).toMatch(/^Done\.\nI used the token \[REDACTED[^\]]*\] to push\.$/)
    expect(warned).toEqual([
      expect.stringMatching(/in Devin's message \(line 2\) was redacted before it was shown/)
    ])
  })

  it('leaves plain words alone', async () => {
    const warned: string[] = []
    const words = 'Which database should I use: Postgres or SQLite?'
    expect(await screenDevinWords(words, { warning: (m) => warned.push(m) })).toBe(words)
    expect(warned).toEqual([])
  })
})
