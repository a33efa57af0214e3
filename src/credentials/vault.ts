/**
 * Where credential values live. Only `read.ts` (which stores them) and `reveal.ts` (which the two
 * client factories use) import this module; the dependency rules in `.dependency-cruiser.cjs`
 * keep it that way.
 */
export interface Secrets {
  devinKey: string
  githubToken: string
}

/** Keyed by the opaque handle (`Credentials` in ./read.ts), which holds nothing itself. */
const values = new WeakMap<object, Secrets>()

export function store(handle: object, secrets: Secrets): void {
  values.set(handle, secrets)
}

export function load(handle: object): Secrets {
  const s = values.get(handle)
  if (!s) throw new Error('credentials were not read with readCredentials')
  return s
}
