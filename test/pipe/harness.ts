/*
 * harness - a throw-away complete instance for the pipe, error and discard end-to-end
 * tests: master runs the real daemons from packages/ (smtpd on a free port, pickup,
 * cleanup, trivial-rewrite, qmgr, bounce, and the pipe/error/discard services the test
 * adds to master.cf); mail goes in through bin/sendmail or SMTP (swaks) and out through
 * pipe transports to a recorder script that writes its uid, gid, argv and standard input
 * to one file per invocation. Tiny backoff times keep retries within a test. As root the
 * daemons drop to an unprivileged mail_owner other than `nobody`, so that pipe entries may
 * run their commands as `user=nobody` (pipe refuses mail_owner's rights, as Postfix).
 * cleanup() kills master's process group and removes everything.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lookupUser } from '@mailroom/global';
import { freePort } from '../master/instance.js';
import {
  cleanup as cleanupInstance, isRoot, logMessages, makeInstance, ROOT, run, startMaster, waitFor, type Instance,
} from '../submission/instance.js';

export { isRoot, logMessages, run, waitFor };

/** The account daemons run as when the tests run as root (pipe commands run as nobody). */
export const MAIL_OWNER = ['mailroom', 'daemon'].find((u) => lookupUser(u)) ?? 'daemon';

export interface PipeInstance extends Instance {
  /** Where the recorder script writes (world-writable). */
  out: string;
  /** The recorder script. */
  recorder: string;
  smtpPort: number;
}

/** Daemons every instance runs. */
const BASE_MASTER_CF = (port: number): string => `
127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
`;

/**
 * recorderScript - a /bin/sh command that records one invocation in OUT/call.*.rec
 * (`uid=`, `gid=`, one `arg=` line per argument, `--`, then standard input), prints
 * OUT/output.<first argument> and exits with the number in OUT/exitcode.<first argument>
 * (0 when missing): the first argument names the transport, so that each has its own.
 */
function recorderScript(out: string): string {
  return `#!/bin/sh
f=$(mktemp "${out}/call.XXXXXXXX")
{
  echo "uid=$(id -u)"
  echo "gid=$(id -g)"
  for a in "$@"; do printf 'arg=%s\\n' "$a"; done
  echo "--"
  cat
} > "$f"
mv "$f" "$f.rec"
[ -f "${out}/output.$1" ] && cat "${out}/output.$1"
code=0
[ -f "${out}/exitcode.$1" ] && code=$(cat "${out}/exitcode.$1")
exit $code
`;
}

/**
 * makePipeInstance - config (main.cf lines and extra master.cf services may use
 * RECORDER and OUT, replaced here), spool, and master started.
 */
export async function makePipeInstance(mainCf: string, masterCf: string, files: Record<string, string> = {}): Promise<PipeInstance> {
  const smtpPort = await freePort();
  const sub = makeInstance([
    `daemon_directory = ${path.join(ROOT, 'packages')}`,
    isRoot ? `mail_owner = ${MAIL_OWNER}` : '',
    'mynetworks = 127.0.0.0/8',
    'recipient_delimiter = +',
    'minimal_backoff_time = 1s',
    'maximal_backoff_time = 2s',
    'queue_run_delay = 1s',
  ].join('\n'));
  const inst: PipeInstance = { ...sub, out: path.join(sub.dir, 'out'), recorder: path.join(sub.dir, 'recorder'), smtpPort };
  fs.mkdirSync(inst.out, { mode: 0o777 });
  fs.chmodSync(inst.out, 0o777);
  fs.writeFileSync(inst.recorder, recorderScript(inst.out), { mode: 0o755 });
  const subst = (text: string): string => text.replaceAll('RECORDER', inst.recorder).replaceAll('OUT', inst.out).replaceAll('DIR', inst.dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(inst.dir, name), subst(text), { mode: 0o644 });
  fs.appendFileSync(path.join(inst.etc, 'main.cf'), `${subst(mainCf)}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), `${BASE_MASTER_CF(smtpPort)}\n${subst(masterCf)}\n`);
  if (isRoot) execFileSync('chown', ['-R', MAIL_OWNER, inst.spool]);
  await startMaster(inst);
  return inst;
}

/** cleanup - stop everything and remove the instance. */
export function cleanup(inst: PipeInstance): void {
  if (process.env.MAILROOM_KEEP_LOG) fs.copyFileSync(inst.logFile, process.env.MAILROOM_KEEP_LOG);
  cleanupInstance(inst);
}

export interface Invocation {
  uid: number;
  gid: number;
  args: string[];
  stdin: string;
  file: string;
}

/** invocations - what the recorder wrote for transport `marker` (its first argument), oldest first. */
export function invocations(inst: PipeInstance, marker: string): Invocation[] {
  return fs.readdirSync(inst.out).filter((f) => f.endsWith('.rec'))
    .map((f) => ({ f, st: fs.statSync(path.join(inst.out, f)) }))
    .sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || a.f.localeCompare(b.f))
    .map(({ f }) => {
      const text = fs.readFileSync(path.join(inst.out, f), 'utf8');
      const cut = text.indexOf('\n--\n');
      const head = text.slice(0, cut).split('\n');
      const num = (k: string): number => Number(head.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1));
      return { uid: num('uid'), gid: num('gid'), args: head.filter((l) => l.startsWith('arg=')).map((l) => l.slice(4)), stdin: text.slice(cut + 4), file: f };
    })
    .filter((i) => i.args[0] === marker);
}

/** setExit - the exit code (and output) of the recorder's next invocations for `marker`. */
export function setExit(inst: PipeInstance, marker: string, code: number, output = ''): void {
  fs.writeFileSync(path.join(inst.out, `exitcode.${marker}`), `${code}\n`, { mode: 0o644 });
  fs.writeFileSync(path.join(inst.out, `output.${marker}`), output, { mode: 0o644 });
}

/** sendmail - submit a message with bin/sendmail; throws when it fails. */
export function sendmail(inst: PipeInstance, sender: string, rcpts: string[], text: string): void {
  const r = run(inst, 'sendmail', ['-f', sender, ...rcpts], { input: text });
  if (r.status !== 0) throw new Error(`sendmail failed (${r.status}): ${r.stderr}`);
}

/** swaks - submit a message over SMTP to the instance's smtpd; throws when it fails. */
export function swaks(inst: PipeInstance, sender: string, rcpts: string[], text: string, helo = 'client.example'): void {
  const r = spawnSync('swaks', [
    '--server', `127.0.0.1:${inst.smtpPort}`, '--helo', helo, '--from', sender, '--to', rcpts.join(','), '--data', '-', '--hide-all',
  ], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`swaks failed (${r.status}): ${r.stdout}${r.stderr}`);
}

/** statusLines - the `to=<...>` log lines (queue ID prefix kept). */
export function statusLines(inst: PipeInstance): string[] {
  return logMessages(inst).filter((l) => /^[0-9A-Za-z]+: to=</.test(l));
}

/** waitLog - wait until a log line matches; returns it. */
export async function waitLog(inst: PipeInstance, re: RegExp, ms = 30_000): Promise<string> {
  await waitFor(`a log line matching ${re}`, () => logMessages(inst).some((l) => re.test(l)), ms).catch((err: Error) => {
    throw new Error(`${err.message}; log:\n${logMessages(inst).slice(-25).join('\n')}`);
  });
  return logMessages(inst).find((l) => re.test(l)) as string;
}
