/*
 * master - the Mailroom supervisor (Postfix's master(8)).
 *
 *   master [-c config_dir] [-t] [-w]
 *     -c  configuration directory (else $MAIL_CONFIG, else the embedded etc/)
 *     -t  test mode: exit 0 when no master of this instance runs, 1 when one does
 *     -w  report startup success or the fatal error on fd 3, then close it (`postfix start`)
 *
 * Signals: SIGHUP reload, SIGTERM/SIGINT stop (children finish their work), SIGQUIT abort
 * (children are killed). Holds $queue_directory/pid/master.pid while it runs.
 * Stays in the foreground: `postfix start` is what daemonises.
 */
import fs from 'node:fs';
import os from 'node:os';
import {
  claimPidFile, ConfigError, defaultConfigDir, loadConfig, masterPidFile, pidDirectory, readMasterCf, removePidFile,
  runningMaster,
} from '@mailroom/global';
import { Master } from './master.js';

interface Args {
  configDir: string;
  test: boolean;
  wait: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { configDir: defaultConfigDir(), test: false, wait: false };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === '-c' && argv[i + 1]) a.configDir = argv[++i] as string;
    else if (w === '-t') a.test = true;
    else if (w === '-w') a.wait = true;
    else if (w === '-d' || w === '-v') continue; // always in the foreground; verbosity via the log level
    else fatal(`usage: master [-c config_dir] [-t] [-w]`, false);
  }
  return a;
}

let waitFd: number | undefined;

/** tellStarter - give `postfix start` the outcome on fd 3 (-w). */
function tellStarter(text: string): void {
  if (waitFd === undefined) return;
  try {
    fs.writeSync(waitFd, `${text}\n`);
    fs.closeSync(waitFd);
  } catch {
    // the starter went away
  }
  waitFd = undefined;
}

function fatal(text: string, logIt = true): never {
  const line = `master: fatal: ${text}`;
  if (logIt) process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'master', pid: process.pid, msg: `fatal: ${text}` })}\n`);
  else process.stderr.write(`${line}\n`);
  tellStarter(line);
  process.exit(1);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.wait) waitFd = 3;
  let master: Master;
  try {
    const config = loadConfig({ configDir: args.configDir });
    if (args.test) process.exit(runningMaster(config) ? 1 : 0);
    readMasterCf(args.configDir);
    master = new Master(args.configDir);
  } catch (err) {
    fatal(err instanceof ConfigError ? err.message : (err as Error).message);
  }
  const { config, log } = master;
  const queueDir = config.get('queue_directory');
  try {
    process.chdir(queueDir);
  } catch (err) {
    fatal(`chdir ${queueDir}: ${(err as Error).message}`);
  }
  fs.mkdirSync(pidDirectory(config), { recursive: true, mode: 0o755 });
  const pidFile = masterPidFile(config);
  const claim = claimPidFile(pidFile);
  if (!claim.ok) fatal(`the Mailroom mail system is already running (PID ${claim.pid})`);
  try {
    await master.start();
  } catch (err) {
    removePidFile(pidFile);
    fatal((err as Error).message);
  }
  log.info(`daemon started -- version ${config.get('mail_version')}, configuration ${args.configDir}`);
  tellStarter('ok');

  let busy: Promise<void> = Promise.resolve();
  process.on('SIGHUP', () => {
    busy = busy.then(() => master.reload()).catch((err: Error) => log.error(`error: reload: ${err.message}`));
  });
  const terminate = (sig: NodeJS.Signals, graceMs?: number): void => {
    if (master.stopping) return;
    log.info(`terminating on signal ${os.constants.signals[sig]}`);
    void busy
      .then(() => master.stop(graceMs))
      .finally(() => {
        removePidFile(pidFile);
        log.flush();
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => terminate('SIGTERM'));
  process.on('SIGINT', () => terminate('SIGINT'));
  process.on('SIGQUIT', () => terminate('SIGQUIT', 0));
  process.on('exit', () => removePidFile(pidFile));
}

void main();
