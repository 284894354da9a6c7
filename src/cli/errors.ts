// Exit codes and the one-line errors every command prints (stack traces only with --debug).

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_PARTIAL = 3;

/** An error whose message is already the one line the operator should read. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = EXIT_ERROR) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}
