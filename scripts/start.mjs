#!/usr/bin/env node
// `npm start`: run the embedded default instance (etc/) in the foreground with
// `bin/postfix start-fg`. As root, master drops its children to mail_owner: when that
// account does not exist yet, create it as a system user (useradd --system, no login).
// As an ordinary user, everything runs as that user. The demo aliases (etc/aliases) are
// built with newaliases when their database is missing or older. Ctrl-C stops the instance.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
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

/** ensureAliases - run newaliases when an alias_database file is newer than its database. */
function ensureAliases() {
  const maps = execFileSync(bin('postconf'), ['-hx', 'alias_database'], { encoding: 'utf8' }).trim();
  for (const map of maps.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(hash|btree|lmdb):(.+)$/.exec(map);
    if (!m) continue;
    const source = m[2];
    const db = `${source}.${m[1] === 'lmdb' ? 'lmdb' : 'db'}`;
    const stale = fs.existsSync(source) && (!fs.existsSync(db) || fs.statSync(db).mtimeMs < fs.statSync(source).mtimeMs);
    if (stale) {
      console.error(`start: building ${db} (newaliases)`);
      execFileSync(bin('newaliases'), [], { stdio: 'inherit' });
      return;
    }
  }
}

if (process.getuid?.() === 0) ensureMailOwner();
ensureAliases();
const child = spawn(bin('postfix'), ['start-fg'], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
