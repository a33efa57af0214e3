/**
 * The renderers a sync writes with: the handoff's and review's own (src/report/), each text
 * through the same comment gate as the run that first wrote it, and the hidden state read back.
 */
import { commentBody } from '../egress/comment.js'
import type { LinkHosts } from '../egress/markdown.js'
import { renderCheck } from '../report/check.js'
import { renderComment } from '../report/render.js'
import { decodeState } from '../state/marker.js'
import type { SyncRender } from './ports.js'

export function reportRender(links: LinkHosts, scrub: (text: string) => string): SyncRender {
  return {
    comment: (r) => commentBody(renderComment(r, links, scrub), scrub),
    check: (r) => {
      const text = renderCheck(r, links)
      return { ...text, summary: commentBody(text.summary, scrub) }
    },
    decode: decodeState
  }
}
