import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readCredentials } from '../../../src/credentials/read.ts'
import { lazyGitHub } from '../../../src/github/factory.ts'
import { startGitHubEmulator, type GitHubEmulator } from '../../emulators/github.ts'

const TOKEN = 'ghp_factory_user_token'
let gh: GitHubEmulator
beforeEach(async () => {
  gh = await startGitHubEmulator({
    owner: 'octo',
    repo: 'repo',
    tokens: { [TOKEN]: { login: 'alice', type: 'User' } }
  })
})
afterEach(async () => {
  await gh.close()
})

describe('lazyGitHub', () => {
  it('makes the client on first use only, once, with the token behind the handle', async () => {
    const credentials = readCredentials(
      (n) => (n === 'github-token' ? TOKEN : ''),
      () => undefined
    )
    const get = lazyGitHub(credentials, { owner: 'octo', repo: 'repo', apiUrl: gh.url })
    expect(gh.requests).toHaveLength(0)
    const [a, b] = await Promise.all([get(), get()])
    expect(a).toBe(b)
    expect(await get()).toBe(a)
    expect(await a.whoAmI()).toBe('alice')
    expect(gh.requests.map((r) => r.headers.authorization)).toEqual([`token ${TOKEN}`])
  })
})
