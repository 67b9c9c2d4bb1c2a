/*
 * queue/errors - the one error type queue-file code throws for bad files.
 *
 * `incomplete`: the owner-execute bit is not set (still being written, or its writer
 * died) - readers skip the file. `corrupt`: the bytes do not parse - the caller moves
 * the file to `corrupt/` (Spool.load does that for you). Reads no parameters.
 */

export type QueueFileErrorKind = 'incomplete' | 'corrupt';

export class QueueFileError extends Error {
  constructor(
    readonly kind: QueueFileErrorKind,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'QueueFileError';
  }
}

/** isQueueFileError - narrow an unknown error, optionally to one kind. */
export function isQueueFileError(err: unknown, kind?: QueueFileErrorKind): err is QueueFileError {
  return err instanceof QueueFileError && (kind === undefined || err.kind === kind);
}

/** errnoCode - the `code` of a Node system error, if any. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
