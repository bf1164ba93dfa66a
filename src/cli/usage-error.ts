/** A command line the program cannot run (an unknown command): shown with the usage, exit 1. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The help of the command that was mistyped (default: the program's). */
    readonly help?: string,
  ) {
    super(message);
  }
}
