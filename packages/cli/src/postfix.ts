/*
 * postfix - Mailroom control program, compatible with Postfix's postfix(1).
 *
 *   postfix [-c config_dir] [-Dv] command
 *     check            configuration syntax, mail_owner, spool directories (repaired)
 *     start            check, then start master in the background
 *     start-fg         check, then run master in the foreground (systemd, containers)
 *     stop | abort     stop gracefully | at once
 *     reload           re-read the configuration; no connection is refused
 *     status           is master running (exit 0) or not (exit 1); process table on stdout
 *     flush            retry deferred mail now
 *     set-permissions  fix owners and modes of the spool tree
 *     tls SUBCOMMAND   TLS keys, certificates and settings (postfix-tls.ts)
 */
import { Command } from 'commander';
import { defaultConfigDir, type Config } from '@mailroom/global';
import { runCheck } from './postfix-check.js';
import { runTls } from './postfix-tls.js';
import { die, flush, reload, start, startForeground, status, stop, say } from './postfix-control.js';
import { loadConfigOrDie } from './util.js';

const PROG = 'postfix';
const COMMANDS = ['check', 'start', 'start-fg', 'stop', 'abort', 'reload', 'status', 'flush', 'set-permissions', 'tls'];

/** check - print problems; fatal ones exit 1 unless `quiet` callers handle them. */
function check(config: Config): void {
  const r = runCheck(config);
  for (const w of r.warnings) say(`warning: ${w}`);
  if (r.fatal.length > 0) {
    for (const f of r.fatal.slice(0, -1)) say(`fatal: ${f}`);
    die(r.fatal[r.fatal.length - 1] as string);
  }
}

async function run(command: string, configDir: string | undefined, args: string[]): Promise<void> {
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`${PROG}: fatal: unknown command: '${command}'. Use one of: ${COMMANDS.join(', ')}\n`);
    process.exit(1);
  }
  if (command !== 'tls' && args.length > 0) {
    process.stderr.write(`${PROG}: fatal: unexpected arguments after '${command}': ${args.join(' ')}\n`);
    process.exit(1);
  }
  const config = loadConfigOrDie(PROG, configDir ?? defaultConfigDir());
  switch (command) {
    case 'tls':
      process.exitCode = runTls(config, args);
      return;
    case 'check':
    case 'set-permissions':
      check(config);
      return;
    case 'start':
      check(config);
      return start(config);
    case 'start-fg':
      check(config);
      return startForeground(config);
    case 'stop':
      return stop(config);
    case 'abort':
      return stop(config, true);
    case 'reload':
      return reload(config);
    case 'status':
      return status(config);
    case 'flush':
      return flush(config);
  }
}

const program = new Command(PROG)
  .usage('[-c config_dir] [-Dv] command')
  .option('-c <dir>', 'configuration directory')
  .option('-D', 'debug (accepted for compatibility)')
  .option('-v', 'verbose (accepted for compatibility)')
  .argument('<command>', COMMANDS.join(' | '))
  .argument('[args...]', 'arguments of `tls`')
  .passThroughOptions()
  .action(async (command: string, args: string[], opts: { c?: string }) => run(command, opts.c, args));

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`${PROG}: fatal: ${err.message}\n`);
  process.exit(1);
});
