import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGitHubApi } from '../../../src/github/client.ts'
import {
  describeFailure,
  githubErrorMessage,
  isGitHubRequestError
} from '../../../src/github/errors.ts'
import { startGitHubEmulator, type GitHubEmulator } from '../../emulators/github.ts'

/** What Octokit throws: an Error named HttpError with a numeric status. */
const httpError = (status: number, message: string): Error =>
  Object.assign(new Error(message), { name: 'HttpError', status })

describe('githubErrorMessage', () => {
  it('puts the status first and keeps only the first line', () => {
    expect(
      githubErrorMessage(
        httpError(422, 'Validation Failed: body is too long\n{"resource":"IssueComment"}')
      )
    ).toBe('422 Validation Failed: body is too long')
  })

  it('reads errors without a status, and things that are not errors', () => {
    expect(githubErrorMessage(new Error('socket hang up'))).toBe('socket hang up')
    expect(githubErrorMessage('plain text\nsecond')).toBe('plain text')
    expect(githubErrorMessage(42)).toBe('42')
  })

  // Known issue: `(err as RequestErrorLike).status` is read without a guard, so a thrown
  // `undefined` or `null` becomes a TypeError inside the error handler (Reporter.publish passes
  // whatever the comment write threw). describeFailure guards the same case with `e?.name`.
  it('reads a thrown undefined or null', () => {
    expect(githubErrorMessage(undefined)).toBe('undefined')
    expect(githubErrorMessage(null)).toBe('null')
  })
})

describe('isGitHubRequestError and describeFailure', () => {
  it('tells Octokit request errors from everything else', () => {
    expect(isGitHubRequestError(httpError(404, 'Not Found'))).toBe(true)
    expect(isGitHubRequestError(new Error('Not Found'))).toBe(false)
    expect(isGitHubRequestError(Object.assign(new Error('x'), { status: 404 }))).toBe(false)
    expect(isGitHubRequestError(Object.assign(new Error('x'), { name: 'HttpError' }))).toBe(false)
    expect(isGitHubRequestError({ name: 'HttpError', status: 404 })).toBe(false)
    expect(isGitHubRequestError(undefined)).toBe(false)
  })

  it('says a GitHub failure is one, with its status; other messages pass as they are', () => {
    expect(describeFailure(httpError(403, 'Resource not accessible by integration\nmore'))).toBe(
      'GitHub API request failed: 403 Resource not accessible by integration'
    )
    expect(describeFailure(new Error("Input 'prompt': is empty"))).toBe("Input 'prompt': is empty")
    expect(describeFailure('thrown text')).toBe('thrown text')
    expect(describeFailure(undefined)).toBe('undefined')
    expect(describeFailure(null)).toBe('null')
  })

  describe('with a real Octokit error', () => {
    let gh: GitHubEmulator
    beforeAll(async () => {
      gh = await startGitHubEmulator({ owner: 'octo', repo: 'repo' })
    })
    afterAll(async () => {
      await gh.close()
    })

    it('recognizes what Octokit throws for a missing pull request', async () => {
      const api = await createGitHubApi({
        token: 'ghs_test_token',
        owner: 'octo',
        repo: 'repo',
        apiUrl: gh.url
      })
      const err = await api.getPull(404).catch((e: unknown) => e)
      expect(isGitHubRequestError(err)).toBe(true)
      expect(describeFailure(err)).toMatch(/^GitHub API request failed: 404 Not Found/)
      expect(githubErrorMessage(err)).not.toContain('\n')
    })
  })
})
