/**
 * Nothing leaves around the gate. The import rules keep @actions/core inside src/egress/ (see
 * architecture.test.ts); this covers what an import rule cannot see (a direct write to the
 * process's streams) and the types that make the comment and Devin sinks take gated values only.
 */
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { DevinClient } from '../../../src/devin/client.ts'
import type { CommentBody } from '../../../src/egress/comment.ts'
import type { ForDevin } from '../../../src/egress/devin.ts'
import type { SessionCreateRequest } from '../../../src/devin/types.ts'
import type { StickyComment } from '../../../src/github/sticky-comment.ts'

const SRC = path.resolve(import.meta.dirname, '../../../src')

/** Writes to the process's output that bypass @actions/core (and so any import rule). */
export function rawWrites(source: string): string[] {
  const found = source.match(/\b(process\.(stdout|stderr)|console)\s*\.\s*\w+/g) ?? []
  return [...new Set(found)]
}

describe('the egress gate', () => {
  it('finds raw writes in planted code, and none outside src/egress/', () => {
    expect(rawWrites('process.stdout.write(x); console.log(y)')).toEqual([
      'process.stdout.write',
      'console.log'
    ])
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.startsWith(`egress${path.sep}`)
    )
    expect(files.length).toBeGreaterThan(40)
    const offenders = files.flatMap((f) =>
      rawWrites(readFileSync(path.join(SRC, f), 'utf8')).map((w) => `${f}: ${w}`)
    )
    expect(offenders).toEqual([])
  })

  it('lets only gated values reach a comment or a Devin request (checked by tsc)', () => {
    type Write = StickyComment['write']
    type Create = DevinClient['createSession']
    type Send = DevinClient['sendMessage']
    const accepts = {
      // @ts-expect-error a raw string is not a comment body: it has to pass commentBody()
      comment: (w: Write) => w('**raw**'),
      gatedComment: (w: Write, b: CommentBody) => w(b),
      // @ts-expect-error a raw request has not been through the secret screen
      create: (c: Create, r: SessionCreateRequest) => c('org', r, { dedupeTag: 't' }),
      gatedCreate: (c: Create, r: ForDevin<SessionCreateRequest>) =>
        c('org', r, { dedupeTag: 't' }),
      // @ts-expect-error nor is a raw message
      send: (s: Send) => s('org', 'id', 'hello'),
      gatedSend: (s: Send, m: ForDevin<string>) => s('org', 'id', m)
    }
    expect(Object.keys(accepts)).toHaveLength(6)
  })
})
