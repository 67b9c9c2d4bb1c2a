#!/usr/bin/env node
// `npm start`: run the embedded default instance (etc/) in the foreground with
// `bin/postfix start-fg`. As root, master drops its children to mail_owner: when that
// account does not exist yet, create it as a system user (useradd --system, no login).
// As an ordinary user, everything runs as that user. Ctrl-C stops the instance.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}bin/${name}`;

function ensureMailOwner() {
  const owner = execFileSync(bin('postconf'), ['-h', 'mail_owner'], { encoding: 'utf8' }).trim();
  try {
    execFileSync('getent', ['passwd', owner], { stdio: 'ignore' });
    return;
  } catch {
    // missing: create it below
  }
  console.error(`start: creating system user ${owner} (mail_owner of ${root}etc/main.cf)`);
  execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', owner], {
    stdio: 'inherit',
  });
}

if (process.getuid?.() === 0) ensureMailOwner();
const child = spawn(bin('postfix'), ['start-fg'], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
