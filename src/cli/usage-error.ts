/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An operation that could not be done (unknown id, server down): exit code 1. */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
