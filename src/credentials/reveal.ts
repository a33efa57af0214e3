/**
 * The only way to a credential's value. Imported by `src/devin/factory.ts` and
 * `src/github/factory.ts` alone (enforced by `.dependency-cruiser.cjs`), so no other module can
 * put a credential where it does not belong.
 */
import type { Credentials } from './read.js'
import { load } from './vault.js'

export function revealDevinKey(c: Credentials): string {
  return load(c).devinKey
}

export function revealGithubToken(c: Credentials): string {
  return load(c).githubToken
}
