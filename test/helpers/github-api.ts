/** The action's GitHub client pointed at an emulator, as the unit tests of the GitHub edge use it. */
import { createGitHubApi, type GitHubApi } from '../../src/github/client.ts'
import type { GitHubEmulator } from '../emulators/github.ts'

/** On the emulator's `octo/hello`, with a timeout far above a loopback answer and short waits. */
export function testGitHubApi(gh: GitHubEmulator, token = 'ghs_test_token'): Promise<GitHubApi> {
  return createGitHubApi({
    token,
    owner: 'octo',
    repo: 'hello',
    apiUrl: gh.url,
    // No answer here is scripted to be slow.
    requestTimeoutMs: 2000,
    retryAfterBaseMs: 20
  })
}
