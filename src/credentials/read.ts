/**
 * The credentials (`api-key`, `github-token`), read apart from the other inputs and masked the
 * moment they are read. What the rest of the action holds is an opaque handle: it can ask whether
 * a credential is there and scrub text, but only the Devin and GitHub client factories can get at
 * the values (through `reveal.ts`).
 */
import { mask as maskInLog } from '../egress/step.js'
import { scrub } from '../hygiene/scrub.js'
import { load, store } from './vault.js'

/**
 * What the Devin key looks like, told without revealing it: `legacy` is a v1/v2 key (`apk_…`,
 * `apk_user_…`), which the v3 API refuses.
 */
export type DevinKeyKind = 'missing' | 'legacy' | 'other'

export function devinKeyKind(key: string): DevinKeyKind {
  if (key === '') return 'missing'
  return /^apk_/i.test(key) ? 'legacy' : 'other'
}

/** Reads one input by its contract name (`api-key`), trimmed, '' when unset. */
export type InputGetter = (name: string) => string

export class Credentials {
  /** Use `readCredentials`. */
  protected constructor() {}

  get hasDevinKey(): boolean {
    return load(this).devinKey !== ''
  }

  get devinKeyKind(): DevinKeyKind {
    return devinKeyKind(load(this).devinKey)
  }

  get hasGithubToken(): boolean {
    return load(this).githubToken !== ''
  }

  /** Removes every credential (and its encoded forms) from text bound for a comment or a log. */
  scrub(text: string): string {
    const { devinKey, githubToken } = load(this)
    return scrub(text, [devinKey, githubToken])
  }

  static create(devinKey: string, githubToken: string): Credentials {
    const handle = new Credentials()
    store(handle, { devinKey, githubToken })
    return handle
  }
}

/** `mask` registers a value with the runner so the log never shows it. */
export function readCredentials(
  get: InputGetter,
  mask: (secret: string) => void = maskInLog
): Credentials {
  const devinKey = get('api-key').trim()
  const githubToken = get('github-token').trim()
  for (const s of [devinKey, githubToken]) if (s !== '') mask(s)
  return Credentials.create(devinKey, githubToken)
}
