/**
 * Fake credentials for tests, assembled at run time from a seeded generator so that no test file
 * holds a token-shaped literal for scanners (or reviewers) to trip over, and every run plants the
 * same values.
 */

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
export const DIGITS = '0123456789'
export const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz${DIGITS}`
export const BASE64 = `${ALNUM}+/`
/** Base32 as AWS key ids use it. */
export const UPPER_DIGITS = `${UPPER}234567`
export const DASHES = '-'.repeat(5)

export type Rand = (n: number, alphabet?: string) => string

/** A deterministic source of random characters (a linear congruential generator). */
export function seededRandom(seed: number): Rand {
  let state = seed
  return (n, alphabet = ALNUM) => {
    let out = ''
    for (let i = 0; i < n; i++) {
      state = (state * 1103515245 + 12345) % 2147483648
      out += alphabet[state % alphabet.length]
    }
    return out
  }
}

/** A PEM private-key block (`kind` e.g. 'RSA', 'EC', or '' for PKCS#8) with 64-column lines. */
export function pemBlock(kind: string, body: string, headers = ''): string {
  const label = `${kind}${kind ? ' ' : ''}PRIVATE KEY`
  const lines = body.match(/.{1,64}/g) ?? []
  return [
    `${DASHES}BEGIN ${label}${DASHES}`,
    ...(headers ? [headers, ''] : []),
    ...lines,
    `${DASHES}END ${label}${DASHES}`
  ].join('\n')
}
