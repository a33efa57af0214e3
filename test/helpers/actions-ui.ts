/**
 * What the Actions UI shows of a step's stdout, for `npm run demo`: the runner reads workflow
 * commands out of the log (./runner-commands.ts has its rules) and shows the rest. Groups become
 * folded headers, notices, warnings and errors become annotations (a labelled line in the log and
 * an entry in the run's summary), debug lines stay hidden unless step debugging is on, masked
 * values become `***`, and `stop-commands` and its end token are invisible.
 */
import { runnerCommands, type RunnerCommand } from './runner-commands.ts'

export interface Annotation {
  level: 'notice' | 'warning' | 'error'
  message: string
}

interface ActionsView {
  /** The log as shown, one entry per line. */
  lines: string[]
  annotations: Annotation[]
}

interface ViewOptions {
  /** ACTIONS_STEP_DEBUG: debug lines are shown. */
  debug?: boolean
  /** Show the lines inside each group under its header instead of folding them. */
  expandGroups?: boolean
}

const LABEL: Record<Annotation['level'], string> = {
  notice: 'Notice',
  warning: 'Warning',
  error: 'Error'
}

/** What a group header says while folded: its title and how many lines it hides. */
const folded = (title: string, n: number): string =>
  `▶ ${title}${n > 0 ? ` (${n} line${n === 1 ? '' : 's'})` : ''}`

export function actionsView(stdout: string, o: ViewOptions = {}): ActionsView {
  const byLine = new Map<number, RunnerCommand>()
  for (const c of runnerCommands(stdout)) byLine.set(c.line, c)
  const masks: string[] = []
  const mask = (text: string): string =>
    masks.reduce((t, m) => (m === '' ? t : t.split(m).join('***')), text)
  const lines: string[] = []
  const annotations: Annotation[] = []
  let group: { at: number; title: string; body: string[] } | undefined
  let stopToken: string | undefined
  const show = (text: string): void => {
    if (group) group.body.push(text)
    else lines.push(text)
  }
  const closeGroup = (): void => {
    if (!group) return
    lines[group.at] = o.expandGroups ? `▼ ${group.title}` : folded(group.title, group.body.length)
    if (o.expandGroups) lines.push(...group.body.map((l) => `  ${l}`))
    group = undefined
  }
  const all = stdout.split(/\r\n|\r|\n/)
  if (all.at(-1) === '') all.pop()
  all.forEach((line, i) => {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined
      else show(mask(line))
      return
    }
    const c = byLine.get(i + 1)
    if (!c) return show(mask(line))
    const data = mask(c.data)
    switch (c.name) {
      case 'add-mask':
        masks.push(c.data)
        return
      case 'stop-commands':
        stopToken = c.data
        return
      case 'debug':
        if (o.debug) show(`##[debug]${data}`)
        return
      case 'group':
        closeGroup()
        group = { at: lines.length, title: data, body: [] }
        lines.push('')
        return
      case 'endgroup':
        return closeGroup()
      case 'notice':
      case 'warning':
      case 'error':
        annotations.push({ level: c.name, message: data })
        return show(`${LABEL[c.name]}: ${data}`)
      default:
        // Commands with no visible trace (set-output, save-state, add-matcher, …).
        return
    }
  })
  closeGroup()
  return { lines, annotations }
}

/** The annotations as the run's summary page lists them. */
export function annotationList(annotations: Annotation[]): string[] {
  if (annotations.length === 0) return ['(none)']
  return annotations.map((a) => `${LABEL[a.level]}: ${a.message}`)
}
