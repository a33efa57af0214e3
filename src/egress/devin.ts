/**
 * The Devin sink: every text field of a request (the prompt, the title, each tag, a follow-up
 * message, any other string) passes the secret screen before it is sent, not just the prompt. The
 * Devin client accepts only what this returns, so no request can be sent around it.
 */
import type { Log } from '../hygiene/log.js'
import { screenTexts, type Redaction, type SecretScan } from '../hygiene/secret-screen.js'

declare const screened: unique symbol
/** A value whose every string went through `screenForDevin`. */
export type ForDevin<T> = T & { readonly [screened]: true }

interface Leaf {
  path: string
  text: string
}

function leaves(value: unknown, path: string, out: Leaf[]): void {
  if (typeof value === 'string') out.push({ path, text: value })
  else if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out))
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out)
}

function rebuild(value: unknown, path: string, texts: Map<string, string>): unknown {
  if (typeof value === 'string') return texts.get(path) ?? value
  if (Array.isArray(value)) return value.map((v, i) => rebuild(v, `${path}[${i}]`, texts))
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, rebuild(v, path ? `${path}.${k}` : k, texts)])
    )
  return value
}

/**
 * Screens every string in `value` in one pass. `redact` replaces what looks like a credential
 * and warns naming the field; `fail` throws before anything is sent; `off` passes it as it is.
 */
export async function screenForDevin<T>(
  value: T,
  o: { mode: SecretScan; log: Pick<Log, 'warning'>; what?: string }
): Promise<{ value: ForDevin<T>; redactions: Redaction[] }> {
  const found: Leaf[] = []
  leaves(value, o.what ?? '', found)
  const name = (p: string): string => p || 'message'
  const { texts, redactions } = await screenTexts(
    found.map((l) => ({
      text: l.text,
      where: (line) => `request ${name(l.path)}:${line}`,
      warning: (label, line) =>
        `Possible ${label} in the request's ${name(l.path)} (line ${line}) was redacted before it was sent to Devin.`
    })),
    o.mode,
    o.log
  )
  const map = new Map(found.map((l, i) => [l.path, texts[i] ?? l.text]))
  return { value: rebuild(value, o.what ?? '', map) as ForDevin<T>, redactions }
}
