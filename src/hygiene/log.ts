/**
 * The logging surface that modules which log take as a parameter, so tests can pass a recorder.
 * The entries pass the egress gate's log (src/egress/log.ts), the only writer of the runner's log.
 */

export interface Log {
  debug(message: string): void
  info(message: string): void
  warning(message: string): void
}
