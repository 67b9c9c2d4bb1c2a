/*
 * `postfix tls` subcommands, run as a user runs them (bin/postfix -c DIR tls ...), with
 * the results checked by openssl(1) and Node's X509Certificate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDir } from '@mailroom/global';
import { stamp } from './postfix-tls.js';

const POSTFIX = path.join(installDir(), 'bin', 'postfix');

function tls(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(POSTFIX, ['-c', dir, 'tls', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempConfig(t: { after(fn: () => void): void }, mainCf = 'myhostname = mail.example.org\n'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tls-cli-'));
  fs.writeFileSync(path.join(dir, 'main.cf'), mainCf);
  fs.writeFileSync(path.join(dir, 'master.cf'), '');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const mainCf = (dir: string): string => fs.readFileSync(path.join(dir, 'main.cf'), 'utf8');
const setting = (dir: string, name: string): string | undefined => new RegExp(`^${name} = (.*)$`, 'm').exec(mainCf(dir))?.[1];
const files = (dir: string, prefix: string): string[] => fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).sort();
const spki = (pem: string): string => crypto.createHash('sha256').update(crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('hex');

test('postfix tls enable-server: key and self-signed certificate deployed, then left alone', (t) => {
  const dir = tempConfig(t);
  assert.equal(tls(dir, 'all-default-server').status, 0);
  const r = tls(dir, 'enable-server', 'mail.example.org', 'mx.example.org');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^postfix\/postfix-tls-script: Enabled opportunistic TLS in the Postfix SMTP server$/m);
  const [keyName] = files(dir, 'key-');
  const [certName] = files(dir, 'cert-');
  assert.match(keyName ?? '', /^key-\d{8}-\d{6}\.pem$/);
  assert.equal(setting(dir, 'smtpd_tls_key_file'), path.join(dir, keyName!));
  assert.equal(setting(dir, 'smtpd_tls_cert_file'), path.join(dir, certName!));
  assert.equal(setting(dir, 'smtpd_tls_security_level'), 'may');
  assert.equal(setting(dir, 'smtpd_tls_loglevel'), '1');
  assert.equal(fs.statSync(path.join(dir, keyName!)).mode & 0o777, 0o600);
  const certPem = fs.readFileSync(path.join(dir, certName!), 'utf8');
  const cert = new crypto.X509Certificate(certPem);
  assert.equal(cert.subject, 'CN=mail.example.org');
  assert.equal(cert.issuer, 'CN=mail.example.org');
  assert.equal(cert.subjectAltName, 'DNS:mail.example.org, DNS:mx.example.org');
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  assert.ok(new Date(cert.validTo).getUTCFullYear() >= new Date().getUTCFullYear() + 99);
  assert.equal(spki(certPem), spki(fs.readFileSync(path.join(dir, keyName!), 'utf8')));
  assert.match(execFileSync('openssl', ['x509', '-in', path.join(dir, certName!), '-noout', '-text'], { encoding: 'utf8' }), /RSA Public-Key: \(2048 bit\)|Public-Key: \(2048 bit\)/);

  assert.equal(tls(dir, 'all-default-server').status, 1);
  const again = tls(dir, 'enable-server');
  assert.equal(again.status, 0);
  assert.match(again.stderr, /Non-default SMTP server TLS settings detected, no changes made/);
  assert.equal(files(dir, 'key-').length, 1);
});

test('postfix tls new-server-key and new-server-cert: not deployed; new-server-cert keeps the deployed key', (t) => {
  const dir = tempConfig(t);
  const k = tls(dir, 'new-server-key', '-b', '1024');
  assert.equal(k.status, 0, k.stderr);
  assert.match(k.stderr, /To deploy run:\npostfix\/postfix-tls-script: {3}# postfix tls deploy-server-cert \S+cert-\d{8}-\d{6}\.pem \S+key-\d{8}-\d{6}\.pem/);
  assert.equal(setting(dir, 'smtpd_tls_cert_file'), undefined, 'not deployed');
  const [key] = files(dir, 'key-');
  const [cert] = files(dir, 'cert-');
  assert.equal(new crypto.X509Certificate(fs.readFileSync(path.join(dir, cert!))).subject, 'CN=mail.example.org', 'default name: $myhostname');

  const d = tls(dir, 'deploy-server-cert', cert!, key!);
  assert.equal(d.status, 0, d.stderr);
  assert.equal(setting(dir, 'smtpd_tls_key_file'), path.join(dir, key!), 'relative names are in $config_directory');

  const mismatch = tls(dir, 'deploy-server-cert', cert!, path.join(dir, 'main.cf'));
  assert.equal(mismatch.status, 1);
  assert.match(mismatch.stderr, /fatal: no private key found in file: /);

  // The next certificate gets a later time stamp.
  while (stamp() === /cert-(\d{8}-\d{6})/.exec(cert!)?.[1]) execFileSync('sleep', ['0.2']);
  const c = tls(dir, 'new-server-cert', 'other.example');
  assert.equal(c.status, 0, c.stderr);
  const certs = files(dir, 'cert-');
  const keys = files(dir, 'key-');
  assert.equal(certs.length, 2);
  assert.equal(spki(fs.readFileSync(path.join(dir, keys[1]!), 'utf8')), spki(fs.readFileSync(path.join(dir, key!), 'utf8')), 'the deployed key was copied');
  assert.equal(new crypto.X509Certificate(fs.readFileSync(path.join(dir, certs[1]!))).subjectAltName, 'DNS:other.example');
});

test('postfix tls output-server-tlsa and output-server-csr', (t) => {
  const dir = tempConfig(t);
  assert.equal(tls(dir, 'enable-server', '-b', '1024').status, 0);
  const keyFile = setting(dir, 'smtpd_tls_key_file')!;
  const r = tls(dir, 'output-server-tlsa');
  assert.equal(r.status, 0, r.stderr);
  const want = execFileSync('sh', ['-c', `openssl pkey -in '${keyFile}' -pubout -outform DER | openssl dgst -sha256 -r`], { encoding: 'utf8' }).split(' ')[0];
  assert.equal(r.stdout, `_25._tcp.mail.example.org. IN TLSA 3 1 1 ${want}\n`);
  assert.equal(tls(dir, 'output-server-tlsa', '-h', 'mx.example.net', keyFile).stdout, `_25._tcp.mx.example.net. IN TLSA 3 1 1 ${want}\n`);
  const csr = tls(dir, 'output-server-csr', 'www.example.org');
  assert.equal(csr.status, 0, csr.stderr);
  const text = execFileSync('openssl', ['req', '-noout', '-verify', '-subject'], { input: csr.stdout, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  assert.match(text, /subject=CN ?= ?www\.example\.org/);
});

test('postfix tls enable-client, all-default-client, and errors', (t) => {
  const dir = tempConfig(t);
  assert.equal(tls(dir, 'all-default-client').status, 0);
  const r = tls(dir, 'enable-client');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(setting(dir, 'smtp_tls_security_level'), 'may');
  assert.equal(setting(dir, 'smtp_tls_loglevel'), '1');
  assert.equal(tls(dir, 'all-default-client').status, 1);
  assert.match(tls(dir, 'enable-client').stderr, /Non-default SMTP client TLS settings detected, no changes made/);
  const bad = tls(dir, 'new-server-key', '-a', 'ecdsa');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^postfix\/postfix-tls-script: fatal: Unsupported private key algorithm: ecdsa$/m);
  assert.equal(tls(dir, 'nosuch').status, 1);
  assert.equal(tls(dir, 'enable-client', 'extra').status, 1);
});
