import { describe, expect, it } from 'vitest'
import { commentBody, MARKER_ROOM, MAX_COMMENT_CHARS } from '../../../src/egress/comment.ts'
import { markerFor, withMarker } from '../../../src/github/sticky-comment.ts'

describe('commentBody', () => {
  it('fits GitHub’s limit with the longest marker, without splitting an emoji', () => {
    const body = commentBody('😀'.repeat(40_000), (t) => t)
    const full = withMarker('k'.repeat(64), body)
    expect(full.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS)
    expect(full).not.toMatch(/\p{Cs}/u)
    expect(full).toMatch(/cut to fit GitHub’s size limit/)
    expect(markerFor('k'.repeat(64)).length + 1).toBeLessThanOrEqual(MARKER_ROOM)
  })

  it('removes the run’s credentials and key shapes', () => {
    const body = commentBody('t0ken-value and cog_abcdefgh1234', (t) =>
      t.replaceAll('t0ken-value', '***')
    )
    expect(body).toBe('*** and cog_***')
  })
})
