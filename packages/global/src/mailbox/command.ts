/*
 * mailbox/command - run one external command for a delivery, as Postfix's pipe_command
 * does: no shell unless the caller builds one into argv; the command's uid/gid when we
 * are root; its own process group, so that a time limit kills the command and its
 * offspring; the message fed to standard input with back-pressure; standard output and
 * error kept (at most OUTPUT_LIMIT bytes) for the reason; the end mapped to a delivery
 * status by sysexits.ts. A command that exits before reading all its input is not an
 * error (its exit status decides). Used by local's |command delivery and by the pipe
 * delivery agent. Reads no parameters (time limit, environment, directory are passed in).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { isRoot } from '../service/privileges.js';
import { feedChild } from './pipe.js';
import { commandStatus, printable, type CommandStatus } from './sysexits.js';

/** Output kept for the reason, as Postfix's pipe_command keeps one buffer. */
export const OUTPUT_LIMIT = 4096;

export interface CommandRun {
  /** argv[0] is the program (a path, or a name looked up in env.PATH). */
  argv: readonly string[];
  /** The command as named in reasons (`Command died with status 1: "..."`). */
  command: string;
  /** Rights to run with (applied when they differ from ours and we are root). */
  uid?: number;
  gid?: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeLimitMs: number;
  /** Standard input (the message with whatever the caller prepends). */
  input: AsyncIterable<Buffer>;
  /** Reason of a success (default: `delivered to command: <command>`). */
  success?: (output: string) => string;
}

/** runCommand - run it to the end (or the time limit); resolves with the delivery status. */
export function runCommand(r: CommandRun): Promise<CommandStatus> {
  return new Promise((resolve) => {
    const ids = isRoot() && r.uid !== undefined && r.uid !== 0 ? { uid: r.uid, gid: r.gid ?? r.uid } : {};
    const child = spawn(r.argv[0] as string, r.argv.slice(1), {
      ...ids, cwd: r.cwd, env: r.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    let readFailed = false;
    const keep = (chunk: Buffer): void => {
      if (output.length < OUTPUT_LIMIT) output = (output + chunk.toString('utf8')).slice(0, OUTPUT_LIMIT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL'); // the command and its offspring
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, r.timeLimitMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ status: 'deferred', dsn: '4.3.0', reason: `cannot execute command "${r.command}": ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (readFailed) return resolve({ status: 'deferred', dsn: '4.3.0', reason: 'error reading message content' });
      const signalNumber = signal ? os.constants.signals[signal] : undefined;
      const text = printable(output);
      resolve(commandStatus({ command: r.command, code, signal, signalNumber, timedOut, output: text, success: r.success?.(text) }));
    });
    void feedChild(child.stdin, r.input).then((ok) => {
      if (ok) return;
      readFailed = true; // never let a command take a partial message as complete
      kill();
    });
  });
}
