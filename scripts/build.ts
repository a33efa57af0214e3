/**
 * Bundles the action with ncc: `src/index.ts` → `dist/index.js` and `src/post.ts` →
 * `dist/post/index.js`, minified, with lazily imported modules as separate chunks so a run loads only
 * what it uses. Builds into a scratch folder first so a failed build leaves `dist/` untouched.
 */
import { execFileSync } from 'node:child_process'
import {
  cpSync,
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
// Each entry keeps its own folder of lazily loaded chunks: webpack numbers a chunk by the set
// of modules its build saw, so the same number can name different code in the two bundles.
// The main step is dist/index.js (with its chunks beside it), the post step dist/post/index.js.
cpSync(path.join(scratch, 'index'), next, { recursive: true })
cpSync(path.join(scratch, 'post'), path.join(next, 'post'), { recursive: true })

// ncc minifies the entry files only; lazily loaded chunks come out as plain webpack output.
for (const dir of [next, path.join(next, 'post')]) {
  for (const file of readdirSync(dir)) {
    if (!/^\d+\.index\.js$/.test(file)) continue
    const abs = path.join(dir, file)
    const out = await minify(readFileSync(abs, 'utf8'), {
      module: true,
      compress: true,
      mangle: true
    })
    if (out.code === undefined) throw new Error(`terser produced nothing for ${file}`)
    writeFileSync(abs, out.code)
  }
}
if (existsSync(dist)) rmSync(dist, { recursive: true, force: true })
renameSync(next, dist)
