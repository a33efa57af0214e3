import { describe, expect, it } from 'vitest'
import { fenced, fenceFor, longestRun } from '../../../src/hygiene/fence.ts'

describe('longestRun', () => {
  it('finds the longest run of one character', () => {
    expect(longestRun('a``b```c`', '`')).toBe(3)
    expect(longestRun('~~~~', '`')).toBe(0)
    expect(longestRun('', '`')).toBe(0)
    expect(longestRun('````', '`')).toBe(4)
  })
})

describe('fenceFor and fenced', () => {
  it('uses at least three backticks, and one more than any run inside', () => {
    expect(fenceFor('plain')).toBe('```')
    expect(fenceFor('a `b` c')).toBe('```')
    expect(fenceFor('```\ncode\n```')).toBe('````')
    expect(fenceFor('x``````y')).toBe('```````')
  })

  it('wraps text so that nothing inside can close the block', () => {
    const text = 'before\n````\nnot the end\n'
    const block = fenced(text, 'markdown')
    expect(block).toBe('`````markdown\nbefore\n````\nnot the end\n`````')
    const lines = block.split('\n')
    expect(lines.filter((l) => /^`{5}\s*$/.test(l))).toHaveLength(1)
  })

  it('ends the text with a newline before the closing fence, once', () => {
    expect(fenced('x', 'json')).toBe('```json\nx\n```')
    expect(fenced('x\n')).toBe('```\nx\n```')
    expect(fenced('')).toBe('```\n```')
  })
})
