/** Markdown code fences that the text inside them cannot close. */

export function longestRun(text: string, ch: string): number {
  let best = 0
  let run = 0
  for (let i = 0; i < text.length; i++) {
    if (text[i] === ch) {
      run++
      if (run > best) best = run
    } else {
      run = 0
    }
  }
  return best
}

/** A code fence longer than any backtick run in `text`. */
export function fenceFor(text: string): string {
  return '`'.repeat(Math.max(3, longestRun(text, '`') + 1))
}

/** `text` in a fenced block tagged `lang`. */
export function fenced(text: string, lang = ''): string {
  const fence = fenceFor(text)
  const nl = text === '' || text.endsWith('\n') ? '' : '\n'
  return `${fence}${lang}\n${text}${nl}${fence}`
}
