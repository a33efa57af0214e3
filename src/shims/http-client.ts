/**
 * Stands in for `@actions/http-client` inside the bundle (tsconfig `paths`). @actions/core imports
 * it only to fetch OIDC tokens, which this action never asks for, and that import alone drags in
 * undici: about 40 ms of start-up on every workflow run. Octokit does need the real client (for
 * proxy support), so `createGitHubApi` loads it lazily and hands it over here before building
 * Octokit. Outside the bundle (tests, local-action) nothing is redirected and this file is unused.
 */

interface RealHttpClientModule {
  HttpClient: new (...args: never[]) => object
}

// Kept on globalThis: the bundler may inline this module into more than one chunk, and every
// copy must see the client that was provided.
const KEY = Symbol.for('devin-handoff.http-client')
const slot = globalThis as { [KEY]?: RealHttpClientModule }

export function provideHttpClient(mod: RealHttpClientModule): void {
  slot[KEY] = mod
}

export class HttpClient {
  constructor(...args: never[]) {
    const real = slot[KEY]
    if (!real)
      throw new Error('@actions/http-client was not loaded: this action does not use OIDC tokens')
    // A constructor may return another object: callers get the real client.
    return new real.HttpClient(...args) as HttpClient
  }
}
