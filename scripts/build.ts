/**
 * Bundles the action with ncc: `src/index.ts` → `dist/index.js` and `src/post.ts` →
 * `dist/post.js`, minified, with lazily imported modules as separate chunks so a run loads only
 * what it uses. Builds into a scratch folder first so a failed build leaves `dist/` untouched.
 */
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  existsSync,
  writeFileSync
} from 'node:fs'
import * as path from 'node:path'
import { minify } from 'terser'

const root = path.resolve(import.meta.dirname, '..')
const ncc = path.join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
const scratch = path.join(root, 'build', 'ncc')
rmSync(scratch, { recursive: true, force: true })

for (const entry of ['index', 'post']) {
  execFileSync(
    process.execPath,
    [ncc, 'build', `src/${entry}.ts`, '-o', path.join(scratch, entry), '-m', '-q'],
    {
      cwd: root,
      stdio: 'inherit'
    }
  )
}

const dist = path.join(root, 'dist')
const next = path.join(root, 'build', 'dist')
rmSync(next, { recursive: true, force: true })
mkdirSync(next, { recursive: true })
// Chunk names are content-derived ids shared by both entries, so one folder holds them all.
for (const entry of ['index', 'post']) {
  const dir = path.join(scratch, entry)
  for (const file of readdirSync(dir)) {
    if (file === 'package.json') continue
    const target = path.join(next, file === 'index.js' ? `${entry}.js` : file)
    if (existsSync(target) && !readFileSync(target).equals(readFileSync(path.join(dir, file)))) {
      throw new Error(`chunk ${file} differs between the index and post bundles`)
    }
    cpSync(path.join(dir, file), target)
  }
}
cpSync(path.join(scratch, 'index', 'package.json'), path.join(next, 'package.json'))

// ncc minifies the entry files only; lazily loaded chunks come out as plain webpack output.
for (const file of readdirSync(next)) {
  if (!/^\d+\.index\.js$/.test(file)) continue
  const abs = path.join(next, file)
  const out = await minify(readFileSync(abs, 'utf8'), {
    module: true,
    compress: true,
    mangle: true
  })
  if (out.code === undefined) throw new Error(`terser produced nothing for ${file}`)
  writeFileSync(abs, out.code)
}
if (existsSync(dist)) rmSync(dist, { recursive: true, force: true })
renameSync(next, dist)
