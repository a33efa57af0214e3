/**
 * Replays a step's stdout the way the Actions runner parses it (actions/runner,
 * ActionCommandManager and ActionCommand): a line ends at `\n`, `\r` or `\r\n`; `::name k=v::data`
 * is a command when the line starts with it after leading whitespace (.NET `TrimStart`); the
 * legacy `##[name k=v]data` is one anywhere in the line, tried when the first form is not there;
 * after `::stop-commands::TOKEN` nothing is a command until a line that is `::TOKEN::`.
 */

export interface RunnerCommand {
  name: string
  properties: Record<string, string>
  data: string
  line: number
  form: 'v2' | 'legacy'
}

/** The runner's registered commands (others are printed as text). */
const COMMANDS = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'internal-set-repo-path',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning'
])

const LEADING_SPACE = /^[\s\u0085]*/

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%')
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/gi, ':').replace(/%2C/gi, ',')
}

function properties(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=')
    if (eq > 0) out[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1))
  }
  return out
}

function parseV2(line: string, n: number): RunnerCommand | undefined {
  const m = line.replace(LEADING_SPACE, '')
  if (!m.startsWith('::')) return undefined
  const end = m.indexOf('::', 2)
  if (end < 0) return undefined
  const info = m.slice(2, end)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!COMMANDS.has(name)) return undefined
  return {
    name,
    properties: space < 0 ? {} : properties(info.slice(space + 1)),
    data: unescapeData(m.slice(end + 2)),
    line: n,
    form: 'v2'
  }
}

function parseLegacy(line: string, n: number): RunnerCommand | undefined {
  const start = line.indexOf('##[')
  if (start < 0) return undefined
  const close = line.indexOf(']', start)
  if (close < 0) return undefined
  const info = line.slice(start + 3, close)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!COMMANDS.has(name)) return undefined
  const props: Record<string, string> = {}
  if (space >= 0)
    for (const pair of info.slice(space + 1).split(';')) {
      const eq = pair.indexOf('=')
      if (eq > 0) props[pair.slice(0, eq).trim()] = pair.slice(eq + 1)
    }
  return { name, properties: props, data: line.slice(close + 1), line: n, form: 'legacy' }
}

/** Every command the runner would run, in order, stop-commands honoured. */
export function runnerCommands(stdout: string): RunnerCommand[] {
  const out: RunnerCommand[] = []
  let stopToken: string | undefined
  stdout.split(/\r\n|\r|\n/).forEach((line, i) => {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined
      return
    }
    const cmd = parseV2(line, i + 1) ?? parseLegacy(line, i + 1)
    if (!cmd) return
    out.push(cmd)
    if (cmd.name === 'stop-commands') stopToken = cmd.data
  })
  return out
}

/**
 * Commands that the action itself did not issue: anything naming `marker` (the planted payloads
 * carry it in a property or at the start of their data), a command a JavaScript action never
 * writes to stdout, or a stop-commands whose token is not a fresh UUID.
 */
export function foreignCommands(
  commands: RunnerCommand[],
  marker: string,
  ownMasks: readonly string[] = []
): RunnerCommand[] {
  const never = new Set(['set-env', 'set-output', 'add-path', 'save-state', 'echo', 'add-matcher'])
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
  return commands.filter(
    (c) =>
      never.has(c.name) ||
      Object.values(c.properties).some((v) => v.includes(marker)) ||
      Object.keys(c.properties).some((k) => k.includes(marker)) ||
      c.data.trimStart().startsWith(marker) ||
      (c.name === 'add-mask' && !ownMasks.includes(c.data)) ||
      (c.name === 'stop-commands' && !uuid.test(c.data))
  )
}
