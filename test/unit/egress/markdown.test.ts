import { describe, expect, it } from 'vitest'
import { linkHosts, mdCode, mdLink, mdText, mdUrl, safeUrl } from '../../../src/egress/markdown.ts'
import { renderGfm, renderedUrls } from '../../helpers/markdown.ts'

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
