/**
 * Where credential values live. Only `read.ts` (which stores them) and `reveal.ts` (which the two
 * client factories use) import this module; the dependency rules in `.dependency-cruiser.cjs`
 * keep it that way.
 */
import type { Credentials } from './read.js'

export interface Secrets {
  devinKey: string
  githubToken: string
}

const values = new WeakMap<Credentials, Secrets>()

export function store(handle: Credentials, secrets: Secrets): void {
  values.set(handle, secrets)
}

export function load(handle: Credentials): Secrets {
  const s = values.get(handle)
  if (!s) throw new Error('credentials were not read with readCredentials')
  return s
}
