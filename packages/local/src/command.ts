/*
 * command - deliver to an external command (`|command` in aliases and .forward files,
 * mailbox_command): run it with the delivery's rights (spawn's uid/gid when we are root),
 * directly when it is a path without shell syntax, else with /bin/sh -c (or local_command_shell);
 * feed it the From_ line, Return-Path, X-Original-To, Delivered-To and the message; keep
 * a little of its output for the reason; kill its process group after command_time_limit.
 * The environment is Postfix's: HOME SHELL USER LOGNAME EXTENSION DOMAIN LOCAL RECIPIENT
 * SENDER ORIGINAL_RECIPIENT ENVID, PATH reset, export_environment passed on.
 * Reads (through settings): local_command_shell, command_time_limit,
 * command_expansion_filter, export_environment, prepend_delivered_header, queue_directory.
 */
import {
  envelopeHeaders, LineConverter, mboxFromLine, runCommand as runExternal, splitAddress, splitExtension, type CommandStatus,
} from '@mailroom/global';
import { filterValue } from './expand.js';
import { switchUser, type Privs } from './privs.js';
import type { Attr, Delivery } from './state.js';

const SHELL_SYNTAX = /[!"#$&'()*;<>?[\\\]^`{|}~\n\r]/;

/** commandArgv - how to run `command`: directly, or through a shell. */
export function commandArgv(command: string, shell: string): string[] {
  if (shell) return [...shell.trim().split(/\s+/), command];
  const argv = command.trim().split(/\s+/);
  // A name without a slash may be a shell built-in (`exit 75`): let the shell find it.
  if (SHELL_SYNTAX.test(command) || !argv[0]?.includes('/')) return ['/bin/sh', '-c', command];
  return argv;
}

/** commandEnv - the environment a command gets. */
function commandEnv(d: Delivery, a: Attr, p: Privs): NodeJS.ProcessEnv {
  const s = d.settings;
  const f = (v: string): string => filterValue(v, s.commandFilter);
  const { local, domain } = splitAddress(a.address);
  const { user, extension } = splitExtension(local.toLowerCase(), s.recipientDelimiter);
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' };
  for (const name of s.exportEnvironment) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, {
    HOME: p.home ?? '/', USER: p.name ?? user, LOGNAME: p.name ?? user, LOCAL: f(local.toLowerCase()), DOMAIN: f(domain),
    RECIPIENT: f(a.address), SENDER: f(a.sender), ORIGINAL_RECIPIENT: f(d.rcpt.original || d.rcpt.address),
  });
  if (extension) env.EXTENSION = f(extension);
  if (d.req.envid) env.ENVID = f(d.req.envid);
  return env;
}

/** runCommand - deliver the message to `command` with rights `p`. */
export function runCommand(d: Delivery, a: Attr, command: string, p: Privs): Promise<CommandStatus> {
  const s = d.settings;
  const prefix = mboxFromLine(a.sender) + envelopeHeaders({
    returnPath: a.sender, originalTo: d.rcpt.original || d.rcpt.address,
    deliveredTo: s.deliveredHeader.has('command') ? a.delivered : undefined,
  });
  const ids = switchUser(p) ? { uid: p.uid, gid: p.gid } : {};
  return runExternal({
    argv: commandArgv(command, s.localCommandShell), command, ...ids, cwd: s.queueDir, env: commandEnv(d, a, p),
    timeLimitMs: s.commandTimeMs, input: commandInput(d, prefix),
  });
}

/** commandInput - the prefix, then the message with LF line ends. */
async function* commandInput(d: Delivery, prefix: string): AsyncGenerator<Buffer> {
  yield Buffer.from(prefix);
  const conv = new LineConverter(false);
  for await (const chunk of d.content.open()) yield* conv.push(chunk);
  yield* conv.end();
}
