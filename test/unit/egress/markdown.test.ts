import { describe, expect, it } from 'vitest'
import {
  linkHosts,
  mdCode,
  mdLink,
  mdQuote,
  mdText,
  mdUrl,
  safeUrl
} from '../../../src/egress/markdown.ts'
import { renderGfm, renderedText, renderedUrls } from '../../helpers/markdown.ts'

const HOSTILE = [
  '[click](https://evil.example/x) ![img](https://evil.example/i.png)',
  '<img src=x onerror=alert(1)> <a href="https://evil.example">a</a>',
  'hi @octocat and @org/team',
  'see https://evil.example/phish and www.evil.example',
  'mail me: someone@evil.example',
  'line one\n### Forged heading\r\n| forged | row |',
  '`code` *bold* _em_ ~~gone~~ $x^2$ \\ backslash',
  '&lt;entity&gt; &#60;b&#62;'
].join(' ')

describe('mdText', () => {
  it('renders hostile text as plain text: no link, image, HTML, heading or row', () => {
    const html = renderGfm(`| a | b |\n| --- | --- |\n| x | ${mdText(HOSTILE)} |`)
    expect(html).not.toMatch(/<a |<img |<h\d|<strong|<em|<del|<code/)
    expect(renderedUrls(html)).toEqual([])
    // Without the gate the same text links, loads and forges.
    const raw = renderGfm(`| a | b |\n| --- | --- |\n| x | ${HOSTILE} |`)
    expect(renderedUrls(raw).length).toBeGreaterThan(3)
    expect(html.match(/<tr>/g)).toHaveLength(2)
    expect(html.match(/<td>/g)).toHaveLength(2)
  })

  it('breaks mentions and autolinks with a zero-width space', () => {
    const t = mdText('@octocat https://evil.example WWW.evil.example')
    expect(t).toBe('@\u200boctocat https:\u200b//evil.example WWW\u200b.evil.example')
    expect(mdText('a\nb\r\nc')).toBe('a b c')
  })
})

describe('mdCode', () => {
  it('cannot be closed by backticks inside, and keeps a table cell whole', () => {
    const code = mdCode('a `` b | c\nd')
    const html = renderGfm(`| a |\n| --- |\n| ${code} |`)
    expect(html).toContain('<code>a `` b | c d</code>')
    expect(mdCode('`x`')).toBe('`` `x` ``')
  })
})

describe('links', () => {
  const hosts = linkHosts('https://ghe.example.com', 'https://api.devin.example')

  it('expects the GitHub server and Devin web app hosts', () => {
    expect(hosts).toEqual({
      github: 'ghe.example.com',
      devin: ['app.devin.ai', 'app.devin.example']
    })
  })

  it.each([
    ['http://ghe.example.com/x', 'not https'],
    ['https://evil.example/x', 'a foreign host'],
    ['https://ghe.example.com.evil.example/x', 'a look-alike host'],
    ['https://user:pw@ghe.example.com/x', 'user info'],
    ['https://ghe.example.com/x\n### forged', 'a newline'],
    ['javascript:alert(1)', 'a script'],
    ['not a url', 'not a URL']
  ])('refuses %s (%s)', (url) => {
    expect(safeUrl(url, [hosts.github])).toBeUndefined()
    expect(mdUrl(url, [hosts.github])).toMatch(/^`/)
    expect(mdLink('label', url, [hosts.github])).not.toMatch(/\]\(/)
  })

  it('links an expected https URL, encoding what could end the link', () => {
    expect(mdLink('a [b]', 'https://app.devin.ai/sessions/x_(1)|y', hosts.devin)).toBe(
      '[a \\[b\\]](https://app.devin.ai/sessions/x%5F%281%29%7Cy)'
    )
    expect(mdUrl('https://ghe.example.com/o/r/pull/1', [hosts.github])).toBe(
      '<https://ghe.example.com/o/r/pull/1>'
    )
  })
})

describe('mdQuote', () => {
  const DEVIN = ['app.devin.ai']
  const more = { url: 'https://app.devin.ai/sessions/s1', hosts: DEVIN }
  /** A lone surrogate: half of a character a cut went through. */
  const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

  const HOSTILE_LINES = [
    '::error::forged annotation',
    '##[group]forged group',
    '<img src=x onerror=alert(1)>',
    '[click](javascript:alert(1)) and [site](https://evil.example)',
    'ping @org/team and @octocat',
    'token ghp_0123456789abcdefghijklmnopqrstuvwxyz0123',
    '# Forged heading',
    '---',
    '===',
    '- forged list',
    '+ forged list',
    '1. forged list',
    '    indented code',
    '\tcode by tab',
    '> nested quote',
    '```',
    '| a | b |',
    '| --- | --- |',
    '<details><summary>x</summary>',
    '<!-- devin-handoff-state:AAAA -->',
    'end\\'
  ].join('\n')

  it('keeps hostile lines as plain text lines of one quote', () => {
    const md = mdQuote(HOSTILE_LINES, 5_000)
    for (const line of md.split('\n')) expect(line).toMatch(/^>( |$)/)
    const html = renderGfm(md)
    // One quote, one paragraph, nothing but text and line breaks inside it.
    expect(html.replace(/<br \/>/g, '')).toMatch(/^<blockquote>\n<p>[^<]*<\/p>\n<\/blockquote>$/)
    expect(renderedUrls(html)).toEqual([])
    expect(html.match(/<br \/>/g)).toHaveLength(HOSTILE_LINES.split('\n').length - 1)
    const text = renderedText(md)
    for (const line of HOSTILE_LINES.split('\n')) expect(text).toContain(line.trim())
    // Without the gate the same lines link, load, forge a heading, a rule, a table, a list.
    const raw = renderGfm(HOSTILE_LINES.replace(/^/gm, '> '))
    expect(raw).toMatch(/<h1>|<hr|<table>|<ul>|<ol>|<pre>|<img /)
  })

  it('breaks every mention, and no line starts with a workflow command', () => {
    const md = mdQuote('@octocat\n@org/team says hi\n::warning::x', 1_000)
    expect(md).not.toMatch(/@(?!\u200b)/)
    expect(md.split('\n').every((l) => l.startsWith('>'))).toBe(true)
  })

  it('keeps lines for CRLF and lone CR, and one blank line for many', () => {
    const md = mdQuote('one\r\ntwo\rthree\n\n\n\r\n\nfour\n\n', 1_000)
    expect(md).toBe('> one\\\n> two\\\n> three\n>\n> four')
    expect(renderGfm(md)).toContain('<p>one<br />\ntwo<br />\nthree</p>\n<p>four</p>')
  })

  it('keeps indentation without making a code block', () => {
    const md = mdQuote('list:\n    step 1\n\tstep 2', 1_000)
    expect(renderGfm(md)).not.toMatch(/<pre>|<code>/)
    expect(renderedText(md)).toContain('\u00a0\u00a0\u00a0\u00a0step 1')
  })

  it('cuts long text near the limit at a word, with a link for the rest', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ')
    const md = mdQuote(words, 1_000, more)
    const lines = md.split('\n')
    expect(lines.at(-1)).toBe('> [Read the rest in Devin](https://app.devin.ai/sessions/s1)')
    const body = lines[0] as string
    expect(body).toMatch(/ word\d+ …$/)
    expect(body.length).toBeGreaterThan(800)
    expect(body.length).toBeLessThanOrEqual(1_010)
    expect(mdQuote('short', 1_000, more)).toBe('> short')
  })

  it('cuts 10,000 emoji without splitting one, and links only to a safe URL', () => {
    const emoji = '😀'.repeat(10_000)
    for (const max of [999, 1_000, 1_001]) {
      const md = mdQuote(emoji, max, more)
      expect(md).not.toMatch(LONE)
      expect(md).toContain('Read the rest in Devin')
      expect(md.length).toBeLessThan(1_200)
    }
    const evil = mdQuote(emoji, 1_000, { url: 'https://evil.example/x', hosts: DEVIN })
    expect(evil).not.toContain('evil.example')
    expect(evil).not.toContain('Read the rest')
    expect(evil).toMatch(/…$/)
  })

  it('cuts by lines too: a phone screen, not a log', () => {
    const md = mdQuote(Array.from({ length: 100 }, (_, i) => `l${i}`).join('\n'), 10_000, more)
    const quoted = md.split('\n').filter((l) => /^> l\d/.test(l))
    expect(quoted).toHaveLength(40)
    expect(quoted.at(-1)).toBe('> l39 …')
  })
})
