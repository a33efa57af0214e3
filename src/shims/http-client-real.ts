/**
 * The real `@actions/http-client`, by file path so the tsconfig `paths` redirect of the package
 * name does not apply. Imported lazily, only when Octokit is about to be built.
 */
export { HttpClient } from '../../node_modules/@actions/http-client/lib/index.js'
