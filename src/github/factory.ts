/** The GitHub client, made with the token: one of the two places a credential value is read. */
import type { Credentials } from '../credentials/read.js'
import { revealGithubToken } from '../credentials/reveal.js'
import type { Log } from '../hygiene/log.js'
import { createGitHubApi, type GitHubApi } from './client.js'

export interface GitHubWhere {
  owner: string
  repo: string
  apiUrl: string
}

/** Octokit loads on first use only: runs that never call GitHub (dry runs, no PR) skip it. */
export function lazyGitHub(
  credentials: Credentials,
  where: GitHubWhere,
  log?: Pick<Log, 'info'>
): () => Promise<GitHubApi> {
  let api: Promise<GitHubApi> | undefined
  const token = revealGithubToken(credentials)
  return () => (api ??= createGitHubApi({ ...where, token, log: log && ((m) => log.info(m)) }))
}
