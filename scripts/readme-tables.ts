/**
 * Writes the README's input and output tables from `action.yml`, between the marker comments
 * `<!-- inputs:start -->` / `<!-- inputs:end -->` and `<!-- outputs:start -->` /
 * `<!-- outputs:end -->`. `action.yml` is the one source of truth; the README only mirrors it.
 *
 *   node scripts/readme-tables.ts           rewrite README.md
 *   node scripts/readme-tables.ts --check   exit 1 (and say what to run) if README.md is stale
 */
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'

export interface InputSpec {
  name: string
  description: string
  required: boolean
  default: string
}

export interface OutputSpec {
  name: string
  description: string
}

export interface ActionSpec {
  inputs: InputSpec[]
  outputs: OutputSpec[]
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`action.yml: '${where}' must be a mapping`)
  }
  return value as Record<string, unknown>
}

function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  return String(value)
}

/** Reads the parts of `action.yml` the tables show, in the file's order. */
export function parseAction(yamlText: string): ActionSpec {
  const doc = record(parse(yamlText), 'the document')
  const inputs = Object.entries(record(doc.inputs, 'inputs')).map(([name, raw]) => {
    const spec = record(raw, `inputs.${name}`)
    return {
      name,
      description: text(spec.description),
      required: spec.required === true || spec.required === 'true',
      default: text(spec.default)
    }
  })
  const outputs = Object.entries(record(doc.outputs, 'outputs')).map(([name, raw]) => ({
    name,
    description: text(record(raw, `outputs.${name}`).description)
  }))
  return { inputs, outputs }
}

/** One table cell: a single line, with the pipe that would end the cell escaped. */
export function cell(value: string): string {
  return value
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
}

/** A code span that survives backticks inside the value. */
export function code(value: string): string {
  const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${value}${pad}${ticks}`
}

export function inputsTable(spec: ActionSpec): string {
  const rows = spec.inputs.map((i) => {
    const def = i.required ? '**required**' : i.default === '' ? '`""`' : code(i.default)
    return `| ${code(i.name)} | ${cell(def)} | ${cell(i.description)} |`
  })
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n')
}

export function outputsTable(spec: ActionSpec): string {
  const rows = spec.outputs.map((o) => `| ${code(o.name)} | ${cell(o.description)} |`)
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n')
}

export const GENERATED_NOTE =
  '<!-- Generated from action.yml by `node scripts/readme-tables.ts`; edit action.yml, not this table. -->'

/** Replaces what lies between `<!-- NAME:start -->` and `<!-- NAME:end -->`; both must exist once. */
export function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = doc.indexOf(start)
  const to = doc.indexOf(end)
  if (from === -1 || to === -1 || to < from) {
    throw new Error(`README.md has no '${start}' … '${end}' section`)
  }
  if (doc.indexOf(start, from + 1) !== -1 || doc.indexOf(end, to + 1) !== -1) {
    throw new Error(`README.md has more than one '${start}' … '${end}' section`)
  }
  return `${doc.slice(0, from + start.length)}\n${body}\n${doc.slice(to)}`
}

/** The README as it should be for this `action.yml`. */
export function renderReadme(readme: string, actionYml: string): string {
  const spec = parseAction(actionYml)
  const withInputs = replaceSection(readme, 'inputs', `${GENERATED_NOTE}\n\n${inputsTable(spec)}\n`)
  return replaceSection(withInputs, 'outputs', `${GENERATED_NOTE}\n\n${outputsTable(spec)}\n`)
}

/** CLI: returns the exit code. `root` is the repository (tests point it at a scratch copy). */
export function main(args: string[], root: string, log = console.log): number {
  const check = args.includes('--check')
  const unknown = args.filter((a) => a !== '--check')
  if (unknown.length > 0) {
    log(`readme-tables: unknown argument(s) ${unknown.join(' ')}; usage: [--check]`)
    return 2
  }
  const readmePath = path.join(root, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  let next: string
  try {
    next = renderReadme(readme, readFileSync(path.join(root, 'action.yml'), 'utf8'))
  } catch (err) {
    log(`readme-tables: ${(err as Error).message}`)
    return 1
  }
  if (next === readme) {
    log('readme-tables: README.md tables match action.yml')
    return 0
  }
  if (check) {
    log(
      'readme-tables: the input/output tables in README.md differ from action.yml; run `node scripts/readme-tables.ts`'
    )
    return 1
  }
  writeFileSync(readmePath, next)
  log('readme-tables: README.md tables rewritten from action.yml')
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2), path.resolve(import.meta.dirname, '..'))
}
