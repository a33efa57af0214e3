import { createHash, generateKeyPairSync, type KeyExportOptions, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isPrivateKeyDer, scanKeyBodies } from '../../../src/hygiene/key-material.ts'
import { perLine } from '../../../src/hygiene/secret-screen.ts'
import { findSecrets, redactSecrets } from '../../../src/hygiene/secrets.ts'
import { BASE64, DASHES, pemBlock, seededRandom } from '../../helpers/fake-secrets.ts'

// Bodies are built at run time (seeded, or by node:crypto), so this file holds no key.
const rand = seededRandom(5150)

/** The text scanKeyBodies reports, overlapping spans merged as the finder merges them. */
function spans(text: string): string[] {
  const found: Array<[number, number]> = []
  scanKeyBodies(text, (start, end) => found.push([start, end]))
  const merged: Array<[number, number]> = []
  for (const [start, end] of found.sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1]
    if (last && start < last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged.map(([start, end]) => text.slice(start, end))
}

// The finder hands the rules its text with each diff line's `+`/`-` turned into a space, so the
// direct scans below use ' ' prefixes; `through the secret finder` uses the real ones.

/** The body lines of a PEM block (no BEGIN, no END). */
const bodyOf = (pem: string): string[] => pem.split('\n').filter((l) => l && !l.startsWith('-'))
const endOf = (pem: string): string => pem.trim().split('\n').pop() ?? ''
const diffLines = (lines: string[], prefix = ' '): string => lines.map((l) => prefix + l).join('\n')

const pem = (k: KeyObject, o: KeyExportOptions<'pem'>): string => String(k.export(o))
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
const real = {
  'RSA PKCS#1': pem(rsa.privateKey, { type: 'pkcs1', format: 'pem' }),
  'RSA PKCS#8': pem(rsa.privateKey, { type: 'pkcs8', format: 'pem' }),
  'encrypted PKCS#8': pem(rsa.privateKey, {
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'not-a-secret'
  }),
  'EC SEC1': pem(ec, { type: 'sec1', format: 'pem' }),
  'EC PKCS#8': pem(ec, { type: 'pkcs8', format: 'pem' }),
  'ed25519 PKCS#8': pem(generateKeyPairSync('ed25519').privateKey, { type: 'pkcs8', format: 'pem' })
}
const PRIVATE = Object.entries(real)
const PUBLIC = [
  pem(rsa.publicKey, { type: 'spki', format: 'pem' }),
  pem(rsa.publicKey, { type: 'pkcs1', format: 'pem' })
]

// The OpenSSH container has 70-column lines and starts with the base64 of `openssh-key-v1`.
const openssh = (): string[] =>
  `b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ${rand(1700, BASE64)}`.match(/.{1,70}/g) ?? []

describe('isPrivateKeyDer', () => {
  const der = (b64: string): Buffer => Buffer.from(b64, 'base64')

  it.each(PRIVATE)('knows the opening of %s', (_kind, pem) => {
    expect(isPrivateKeyDer(der(bodyOf(pem).join('').slice(0, 32)))).toBe(true)
  })

  it('knows a PKCS#12 bundle, and a DSA key in the traditional format', () => {
    expect(isPrivateKeyDer(der('MIIKAQIBAzCCCccGCSqGSIb3DQEHAaCC'))).toBe(true)
    expect(isPrivateKeyDer(der('MIIBuwIBAAKBgQD'))).toBe(true)
  })

  it('refuses certificates, public keys, CSRs and other DER', () => {
    for (const key of PUBLIC)
      expect(isPrivateKeyDer(der(bodyOf(key).join('').slice(0, 32)))).toBe(false)
    for (const opening of [
      'MIIDXTCCAkWgAwIBAgIJAKL0UG+mRkSv', // certificate
      'MIICijCCAXICAQAwRTELMAkGA1UEBhMC', // CSR: SEQUENCE { SEQUENCE { INTEGER 0 } }
      'MIIGJwYJKoZIhvcNAQcCoIIGGDCCBhQC', // PKCS#7 signed data
      'MIIKAQIBBDCCCccGCSqGSIb3DQEHAaCC', // a PKCS#12 bundle of version 4: no such thing
      'MAA=',
      ''
    ])
      expect(isPrivateKeyDer(der(opening)), opening).toBe(false)
  })
})

describe('scanKeyBodies finds key material without its BEGIN line', () => {
  it.each(PRIVATE)('%s: body and END line, as a diff hunk shows them', (_kind, pem) => {
    const body = bodyOf(pem)
    const text = `@@ -3,9 +3,9 @@\n${diffLines([...body, endOf(pem)])}\n next context`
    expect(spans(text)).toContain(`${body.join('\n ')}\n ${endOf(pem)}`)
  })

  it.each(PRIVATE)('%s: the first body lines, with no END line', (_kind, pem) => {
    const body = bodyOf(pem).slice(0, 3)
    const text = `intro\n${diffLines(body)}\n@@ -40,3 +40,3 @@`
    expect(spans(text)).toEqual([`${body.join('\n ')}`])
  })

  it('the end of a key: its last lines above the END line, from mid-body', () => {
    const pem = real['RSA PKCS#1']
    const tail = bodyOf(pem).slice(-4)
    const text = `@@ -20,5 +20,5 @@\n${diffLines(tail)}\n ${endOf(pem)}\n`
    expect(spans(text)).toEqual([`${tail.join('\n ')}\n ${endOf(pem)}`])
  })

  it('an OpenSSH key, from its magic on', () => {
    const body = openssh()
    const text = `     key: |\n${diffLines(body.slice(0, 5), '     ')}\n     other: 1`
    expect(spans(text)).toEqual([body.slice(0, 5).join('\n     ')])
    const withEnd = `${body.join('\n')}\n${DASHES}END OPENSSH PRIVATE KEY${DASHES}`
    expect(spans(withEnd)).toContain(withEnd)
  })

  it('a legacy encrypted key by its Proc-Type and DEK-Info headers', () => {
    const pem = pemBlock(
      'RSA',
      rand(1200, BASE64),
      `Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,${rand(32, '0123456789ABCDEF')}`
    )
    const text = pem.split('\n').slice(1).join('\n')
    expect(spans(text)).toContain(text)
  })

  it('a PGP private key block: headers, body and checksum above the END line', () => {
    const body = rand(900, BASE64).match(/.{1,64}/g) ?? []
    const text = [
      'Version: GnuPG v2',
      '',
      ...body,
      `=${rand(4, BASE64)}`,
      `${DASHES}END PGP PRIVATE KEY BLOCK${DASHES}`
    ].join('\n')
    expect(spans(text)).toEqual([text.slice(text.indexOf(body[0] ?? '-'))])
  })

  it('one-line keys: an env var and a Kubernetes secret holding a whole PEM', () => {
    const pem = real['EC PKCS#8']
    const oneLine = bodyOf(pem).join('')
    expect(spans(`EC_KEY=${oneLine}\nNEXT=1`)).toEqual([oneLine])
    const k8s = Buffer.from(real['RSA PKCS#1']).toString('base64')
    expect(spans(`data:\n  tls.key: ${k8s}\n  tls.crt: abc`)).toEqual([k8s])
  })

  it('a key in a quoted code string: the token, not the code around it', () => {
    const line = bodyOf(real['RSA PKCS#8'])[0] ?? ''
    expect(spans(`const k = "${line}" +\n  "next"`)).toEqual([line])
  })
})

describe('scanKeyBodies leaves other base64 alone', () => {
  const cert = pemBlock('', `MIIDXTCCAkWgAwIBAgIJ${rand(1100, BASE64)}`).replace(
    /PRIVATE KEY/g,
    'CERTIFICATE'
  )

  it('certificates and public keys with their armour in sight, whole or in part', () => {
    expect(spans(cert)).toEqual([])
    const lines = cert.split('\n')
    expect(spans(lines.slice(0, 6).join('\n'))).toEqual([])
    expect(spans(lines.slice(-6).join('\n'))).toEqual([])
    for (const key of PUBLIC) expect(spans(key)).toEqual([])
  })

  // The seeded generator's low bits repeat; hashes give base64 that looks like real data.
  const noise = (i: number, width = 76): string =>
    Buffer.concat([0, 1].map((n) => createHash('sha512').update(`${i}.${n}`).digest()))
      .toString('base64')
      .slice(0, width)

  it('20,000 lines of random base64 as MIME wraps it, 20,000 more that open like DER, and a long data URI', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => noise(i))
    expect(lines.filter((l) => l.startsWith('M')).length).toBeGreaterThan(200)
    expect(spans(lines.join('\n'))).toEqual([])
    const der = Array.from({ length: 20_000 }, (_, i) => `MII${noise(i).slice(3)}`)
    expect(spans(der.join('\n'))).toEqual([])
    expect(spans(`<img src="data:image/png;base64,iVBORw0KGgo${rand(50_000, BASE64)}">`)).toEqual(
      []
    )
  })

  it('two lines of PEM width, lists of hex digests, one-line values', () => {
    expect(spans(`a = "${noise(1, 64)}"\n${noise(2, 64)}\n${noise(3, 64)}\nb = 1`)).toEqual([])
    const digests = Array.from({ length: 50 }, (_, i) =>
      createHash('sha256').update(String(i)).digest('hex')
    )
    expect(spans(digests.join('\n'))).toEqual([])
    expect(spans(digests.map((d) => d.toUpperCase()).join('\n'))).toEqual([])
    const values = Array.from({ length: 50 }, (_, i) => `KEY_${i}=${noise(i, 64)}`)
    expect(spans(values.join('\n'))).toEqual([])
  })

  it('base64 lines above an END line that is not a private key, or not on its own line', () => {
    const body = Array.from({ length: 5 }, (_, i) => noise(i, 40)).join('\n')
    expect(spans(`${body}\n${DASHES}END PUBLIC KEY${DASHES}`)).toEqual([])
    expect(spans(`${body}\nconst END = "${DASHES}END RSA PRIVATE KEY${DASHES}"`)).toEqual([])
    // A word above the END line of a code constant is not a key body.
    expect(spans(`  end\n  ${DASHES}END RSA PRIVATE KEY${DASHES}`)).toEqual([])
  })

  it('ssh public keys, hashes, JWTs and package integrity strings', () => {
    const text = [
      `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${rand(43, BASE64)} dev@laptop`,
      `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${rand(500, BASE64)} ci`,
      `"integrity": "sha512-${rand(86, BASE64)}=="`,
      `eyJhbGciOiJSUzI1NiJ9.${rand(200, BASE64)}.${rand(300, BASE64)}`,
      `h1:${rand(43, BASE64)}=`
    ].join('\n')
    expect(spans(text)).toEqual([])
  })
})

describe('through the secret finder', () => {
  it('a hunk that cuts the BEGIN line off: the body is redacted line by line, the rest kept', async () => {
    const pem = real['RSA PKCS#1']
    const body = bodyOf(pem)
    const doc = [
      'diff --git a/deploy/values.yaml b/deploy/values.yaml',
      '@@ -12,8 +12,8 @@ tls:',
      ...body.slice(8, 11).map((l) => `     ${l}`),
      `-    ${body[11] ?? ''}`,
      `+    ${rand(64, BASE64)}`,
      ...body.slice(12, 15).map((l) => `     ${l}`),
      ' next: value'
    ].join('\n')
    // Mid-body with neither end nor any marker in sight: found by its shape alone.
    const mid = await findSecrets(doc)
    expect(mid.map((f) => f.label)).toEqual(['private key'])
    // Line by line, as the packer redacts hunks, so each line keeps its diff prefix.
    const midRedacted = redactSecrets(doc, perLine(doc, mid))
    for (const line of body.slice(8, 15)) expect(midRedacted).not.toContain(line.slice(0, 16))
    expect(midRedacted).toContain('\n-[REDACTED: private key]\n+[REDACTED: private key]\n')
    expect(midRedacted.endsWith('\n next: value')).toBe(true)
    const withEnd = `${doc.split('\n').slice(0, -1).join('\n')}\n${diffLines(body.slice(15), '     ')}\n     ${endOf(pem)}\n next: value`
    const findings = await findSecrets(withEnd)
    expect(findings.map((f) => f.label)).toEqual(['private key'])
    const redacted = redactSecrets(withEnd, findings)
    for (const line of body.slice(8)) expect(redacted).not.toContain(line.slice(0, 16))
    expect(redacted).toMatch(
      /^diff --git .*\n@@ -12,8 \+12,8 @@ tls:\n {5}\[REDACTED: private key\]/
    )
    expect(redacted.endsWith('\n next: value')).toBe(true)
  })

  it('counts a whole key with its BEGIN line once', async () => {
    const findings = await findSecrets(`x\n${real['RSA PKCS#8']}y`)
    expect(findings).toHaveLength(1)
  })

  it('scans 1 MB of END lines and key openings without blowing up', async () => {
    const opening = bodyOf(real['RSA PKCS#8'])[0] ?? ''
    const ends = `${DASHES}END PRIVATE KEY${DASHES}\n`.repeat(20_000)
    const openings = `${opening.slice(0, 40)} `.repeat(20_000)
    const found: string[] = []
    scanKeyBodies(openings, (s, e) => found.push(openings.slice(s, e)))
    expect(found).toHaveLength(20_000)
    expect(spans(ends)).toEqual([])
  })
})
