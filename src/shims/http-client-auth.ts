/** See ./http-client.ts: only @actions/core's OIDC path imports this, and the action never takes it. */
export class BearerCredentialHandler {
  constructor() {
    throw new Error('@actions/http-client was not loaded: this action does not use OIDC tokens')
  }
}
