/**
 * Size caps that never split a character: GitHub refuses a comment over 65,536 characters and the
 * runner drops a job summary over 1 MiB, and a cut through a surrogate pair or a UTF-8 sequence
 * leaves a replacement character (or an invalid body) behind.
 */

/** At most `max` UTF-16 units (what GitHub's limit counts, at worst), `tail` included when cut. */
export function capUnits(text: string, max: number, tail = ''): string {
  if (text.length <= max) return text
  let end = Math.max(0, max - tail.length)
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end-- // a high surrogate whose pair would be cut off
  return text.slice(0, end) + tail
}

/** At most `max` bytes of UTF-8, `tail` included when cut. */
export function capBytes(text: string, max: number, tail = ''): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= max) return text
  let end = Math.max(0, max - Buffer.byteLength(tail))
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8') + tail
}
