/**
 * Workflow commands, as the Actions runner finds them in a step's output, made inert in text the
 * action did not write itself. The runner reads stdout a line at a time (a line ends at `\n`, `\r`
 * or `\r\n`) and runs `::name …::` when the line starts with it after .NET whitespace, and the
 * legacy `##[name …]` anywhere in the line. A zero-width space breaks both shapes without changing
 * what a reader sees; nothing else in the text is touched.
 */

const ZWSP = '\u200b'
/** .NET's `char.IsWhiteSpace`, which `TrimStart` uses; JavaScript's `\s` lacks U+0085. */
const LEADING = /^([\s\u0085]*):(?=:)/
const LINE_BREAKS = /(\r\n|\r|\n)/

export function neutralizeCommands(text: string): string {
  if (!text.includes('::') && !text.includes('##[')) return text
  return text
    .split(LINE_BREAKS)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(LEADING, `$1:${ZWSP}`)))
    .join('')
    .replaceAll('##[', `#${ZWSP}#[`)
}
