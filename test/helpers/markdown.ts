/**
 * Markdown rendered as GitHub renders comments and summaries (CommonMark with the GFM extensions:
 * tables, autolink literals, strike-through), raw HTML passed through so a test sees any that
 * got in. GitHub's own post-processing (@mentions, #refs) is not modelled here.
 */
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'

export function renderGfm(markdown: string): string {
  return micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()]
  })
}

/** Every URL the rendered HTML links to or loads. */
export function renderedUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1] as string)
}

/** The text a reader sees: rendered, tags dropped, entities decoded, zero-width spaces gone. */
export function renderedText(markdown: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }
  return renderGfm(markdown)
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => entities[e] as string)
    .replace(/\u200b/g, '')
}
