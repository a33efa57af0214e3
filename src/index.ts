/**
 * The one bundle's entry, for both steps: action.yml runs `dist/index.js` as the main step and
 * `dist/post.js` (a one-line `import './index.js'` the build writes) as the post step. One bundle
 * instead of two keeps dist/ under its size target: the two steps share every library.
 */
import { basename } from 'node:path'

const POST_ENTRY = 'post.js'

if (basename(process.argv[1] ?? '') === POST_ENTRY) {
  const { runPost } = await import('./post.js')
  await runPost()
} else {
  const { run } = await import('./main.js')
  await run()
}
