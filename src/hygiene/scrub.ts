/**
 * Credentials out of every text the action emits. The runner masks registered secrets in the log
 * only; comments, summaries, outputs and error messages that echo an HTTP answer need this too.
 */

/**
 * Replaces each secret, and the URL-encoded and JSON-escaped forms an echoed request carries,
 * longest first so that a secret that is a prefix of another never leaves the other's tail.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>()
  for (const s of secrets) {
    if (s.length < 4) continue
    forms.add(s)
    forms.add(encodeURIComponent(s))
    forms.add(JSON.stringify(s).slice(1, -1))
  }
  let out = text
  for (const form of [...forms].sort((a, b) => b.length - a.length))
    out = out.split(form).join('***')
  return out
}

/** Bearer tokens and Devin keys by shape, for text that may quote a credential we were not given. */
export function scrubCredentialShapes(text: string): string {
  return text.replace(/(Bearer\s+)[^\s"',;]+/gi, '$1***').replace(/\bcog_[\w-]{4,}/g, 'cog_***')
}

/** The one secret a client holds, and anything shaped like a bearer token or Devin key. */
export function scrubSecret(secret: string, text: string): string {
  return scrubCredentialShapes(scrub(text, [secret]))
}

/** Credentials embedded in URLs (`https://user:token@host`), as git's messages may quote them. */
export function scrubUrls(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]+@/gi, '$1***@')
}

/** The message of anything thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
