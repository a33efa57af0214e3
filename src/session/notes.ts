/**
 * Notes about a start, apart from ./start.ts so that the post step (through the cancellation
 * core) does not bundle the request builder and the secret screen it never uses.
 */

/** The run's note for a follow-up that went out but whose delivery nobody confirmed. */
export function unconfirmedNote(why: string): string {
  return `The handoff was sent to the running Devin session, but ${why}, so its delivery could not be confirmed; check the session before sending it again.`
}
