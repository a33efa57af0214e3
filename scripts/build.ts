/**
 * Bundles the action with ncc: `src/index.ts` → `dist/index.js`, minified, with lazily imported
 * modules as separate chunks so a run loads only what it uses. The post step is the same bundle:
 * `dist/post.js` only imports `./index.js`, which sees its own name in argv and runs the post
 * step (src/index.ts). Builds into a scratch folder first so a failed build leaves `dist/`
 * untouched.
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

execFileSync(process.execPath, [ncc, 'build', 'src/index.ts', '-o', scratch, '-m', '-q'], {
  cwd: root,
  stdio: 'inherit'
})

const dist = path.join(root, 'dist')
const next = path.join(root, 'build', 'dist')
rmSync(next, { recursive: true, force: true })
cpSync(scratch, next, { recursive: true })
writeFileSync(
  path.join(next, 'post.js'),
  "// The post step: the main bundle, which runs its post entry when started by this name.\nimport './index.js'\n"
)

// ncc minifies the entry file only; lazily loaded chunks come out as plain webpack output.
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
