/** The logging surface every module takes, so tests can pass a recorder and main passes @actions/core. */
export interface Log {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
}
