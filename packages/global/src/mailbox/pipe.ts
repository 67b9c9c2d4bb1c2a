/*
 * mailbox/pipe - feed a child process's standard input from an async source with
 * back-pressure, surviving a child that exits early (EPIPE, no more `drain`). Used by the
 * as-user helper (asuser.ts) and by the command runner (command.ts: local's |command, pipe).
 */
import type { Writable } from 'node:stream';

/** writeOne - write a chunk; resolves when the pipe takes more or is gone. */
function writeOne(stdin: Writable, b: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stdin.destroyed || b.length === 0 || stdin.write(b)) return resolve();
    const done = (): void => {
      stdin.off('drain', done);
      stdin.off('close', done);
      resolve();
    };
    stdin.on('drain', done);
    stdin.on('close', done);
  });
}

/**
 * feedChild - copy `source` to `stdin` and end it. Write errors (the child went away) are
 * left to the child's exit status; false means reading the source failed, and the child
 * must not take what it got as the whole message (stdin is then left open for the caller
 * to kill the child).
 */
export async function feedChild(stdin: Writable, source: AsyncIterable<Buffer>): Promise<boolean> {
  stdin.on('error', () => {});
  try {
    for await (const chunk of source) await writeOne(stdin, chunk);
  } catch {
    return false;
  }
  stdin.end();
  return true;
}
