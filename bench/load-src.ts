/**
 * Lets Node 24 load `src/` as it is: its imports use NodeNext `.js` specifiers for `.ts` files,
 * and it may use TypeScript syntax plain type stripping refuses, so those files are transformed
 * (every bench that loads src/ does). Import this first, then import anything that reaches `src/` dynamically:
 * static imports are resolved before any module body runs.
 */
import { registerHooks, stripTypeScriptTypes } from 'node:module'

const SRC = new URL('../src/', import.meta.url).href

registerHooks({
  resolve(spec, ctx, next) {
    try {
      return next(spec, ctx)
    } catch (err) {
      if (spec.startsWith('.') && spec.endsWith('.js')) return next(`${spec.slice(0, -3)}.ts`, ctx)
      throw err
    }
  },
  load(url, ctx, next) {
    const loaded = next(url, ctx)
    if (!url.startsWith(SRC) || !url.endsWith('.ts') || loaded.source === undefined) return loaded
    const code = stripTypeScriptTypes(String(loaded.source), { mode: 'transform' })
    return { ...loaded, format: 'module', source: code }
  }
})
