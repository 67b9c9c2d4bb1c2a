/*
 * postlog - log a line the way Mailroom's daemons do, as Postfix's postlog(1):
 *
 *   postlog [-iv] [-c config_dir] [-p priority] [-t tag] [text...]
 *
 * The text of the arguments is one record; without arguments each line of standard
 * input is one record. Records go to maillog_file through the suite's logger (log.ts,
 * `service` = the tag, default `postlog`), and also to standard error when it is a
 * terminal (as Postfix), or always when maillog_file is empty (there is nowhere else).
 * -p: info (default), warn (or warning), error, fatal, panic; fatal and panic exit with
 * status 1 after one second, as Postfix. -i is accepted and ignored (the PID is always
 * logged, as since Postfix 3.4); -v is accepted (more verbose logging of nothing).
 * Parameters: config_directory (-c or $MAIL_CONFIG), maillog_file.
 */
import { commandLog, type Severity } from './cmdlog.js';
import { getopt, GetoptError } from './getopt.js';
import { fatal, loadConfigOrDie } from './util.js';

const PROG = 'postlog';
const USAGE = `usage: ${PROG} [-c config_dir] [-i] [-p priority] [-t tag] [-v] [text]`;
const PRIORITIES: Record<string, Severity> = { info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'fatal', panic: 'panic' };

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = getopt(process.argv.slice(2), 'c:ip:t:v');
  } catch (err) {
    if (err instanceof GetoptError) fatal(PROG, USAGE);
    throw err;
  }
  let configDir: string | undefined;
  let severity: Severity = 'info';
  let tag = PROG;
  for (const { opt, arg = '' } of parsed.opts) {
    if (opt === 'c') configDir = arg;
    else if (opt === 't') tag = arg;
    else if (opt === 'p') {
      const s = PRIORITIES[arg.toLowerCase()];
      if (!s) fatal(PROG, `unknown priority value: ${arg}`);
      severity = s;
    }
  }
  if (!tag || /[\s]/.test(tag)) fatal(PROG, `bad tag: ${tag}`);
  const config = loadConfigOrDie(PROG, configDir);
  const log = commandLog(PROG, config, tag);
  const quiet = log.logger !== undefined && !process.stderr.isTTY;
  const emit = (text: string): void => log.log(severity, text, { quiet });
  if (parsed.args.length > 0) {
    emit(parsed.args.join(' '));
  } else {
    let rest = '';
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) emit(line.replace(/\r$/, ''));
    }
    if (rest !== '') emit(rest);
  }
  if (severity === 'fatal' || severity === 'panic') {
    await new Promise((r) => setTimeout(r, 1000));
    process.exit(1);
  }
}

await main();
