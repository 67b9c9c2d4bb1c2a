import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { MailroomSmtpServer } from './server.js';
import { startSmtpd } from './testing.js';
import { cipherBits, cipherList, loadTlsMaterial, type TlsSettings } from './tls.js';

const SETTINGS: TlsSettings = {
  level: 'may',
  certFile: '',
  keyFile: '',
  chainFiles: [],
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: 'HIGH',
  receivedHeader: false,
  loglevel: 0,
  wrappermode: false,
  authOnly: false,
};

/** certDir - a temporary directory with a self-signed key.pem and cert.pem. */
function certDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2', '-subj', '/CN=mx.example.com'], { stdio: 'ignore' });
  return dir;
}

test('cipherList and cipherBits', () => {
  assert.equal(cipherList('high', []), 'HIGH:!aNULL:@STRENGTH');
  assert.equal(cipherList('Medium', ['RC4', 'aNULL']), 'HIGH:MEDIUM:!aNULL:@STRENGTH:!RC4:!aNULL');
  assert.equal(cipherList('strong', []), undefined);
  assert.equal(cipherBits('TLS_AES_256_GCM_SHA384'), 256);
  assert.equal(cipherBits('TLS_CHACHA20_POLY1305_SHA256'), 256);
  assert.equal(cipherBits('ECDHE-RSA-AES128-GCM-SHA256'), 128);
});

test('loadTlsMaterial: cert + key, chain files, and what is wrong when it fails', (t) => {
  const dir = certDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const check = (m: { key: string[]; cert: string[] }): void => void tls.createSecureContext({ key: m.key, cert: m.cert });
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  assert.ok(loadTlsMaterial({ ...SETTINGS, certFile: cert, keyFile: key }, check).material);
  fs.writeFileSync(`${dir}/chain.pem`, fs.readFileSync(key, 'utf8') + fs.readFileSync(cert, 'utf8'));
  assert.ok(loadTlsMaterial({ ...SETTINGS, chainFiles: [`${dir}/chain.pem`] }, check).material);
  assert.ok(loadTlsMaterial({ ...SETTINGS, certFile: `${dir}/chain.pem`, keyFile: `${dir}/chain.pem` }, check).material);
  assert.match(loadTlsMaterial(SETTINGS, check).why ?? '', /no server certificate/);
  assert.match(loadTlsMaterial({ ...SETTINGS, certFile: cert, keyFile: cert }, check).why ?? '', /no private key found/);
  assert.match(loadTlsMaterial({ ...SETTINGS, chainFiles: [cert] }, check).why ?? '', /expected one private key/);
  assert.match(loadTlsMaterial({ ...SETTINGS, certFile: `${dir}/none.pem` }, check).why ?? '', /ENOENT/);
});

test('STARTTLS keeps the close listeners put on the socket before the session (master counts clients with one)', async (t) => {
  const dir = certDir();
  const h = await startSmtpd({ smtpd_tls_security_level: 'may', smtpd_tls_cert_file: `${dir}/cert.pem`, smtpd_tls_key_file: `${dir}/key.pem` });
  t.after(async () => {
    await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const engine = new MailroomSmtpServer(h.svc);
  let closed = 0;
  const listener = net.createServer((sock) => {
    sock.once('close', () => closed++);
    engine.connect(sock);
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  t.after(() => listener.close());
  const port = (listener.address() as net.AddressInfo).port;
  const raw = net.createConnection(port, '127.0.0.1');
  let buf = '';
  const wait = (re: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (re.test(buf)) {
          raw.off('data', on);
          resolve();
        }
      };
      const on = (d: Buffer): void => {
        buf += d.toString('latin1');
        check();
      };
      raw.on('data', on);
      check();
    });
  await wait(/^220 /m);
  raw.write('EHLO client.example.net\r\n');
  await wait(/^250 SMTPUTF8/m);
  assert.match(buf, /^250-STARTTLS\r$/m);
  raw.write('STARTTLS\r\n');
  await wait(/^220 2\.0\.0 Ready to start TLS/m);
  const s = tls.connect({ socket: raw, rejectUnauthorized: false });
  await new Promise<void>((r) => s.once('secureConnect', () => r()));
  s.resume(); // read the 221, and the end
  s.write('QUIT\r\n');
  await new Promise<void>((r) => s.once('close', () => r()));
  for (let i = 0; i < 50 && closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(closed, 1);
});

test('a failed AUTH waits smtpd_error_sleep_time before its 535; a login relays, ESMTPA', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sasl-'));
  fs.writeFileSync(`${dir}/passwd`, 'alice:{PLAIN}secret\n');
  const h = await startSmtpd({
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'passwd-file',
    smtpd_sasl_path: `${dir}/passwd`,
    smtpd_error_sleep_time: '1s',
  });
  t.after(async () => {
    await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const { SmtpClient } = await import('./testing.js');
  const c = await SmtpClient.connect(h.port);
  await c.reply();
  assert.match(await c.command('EHLO client.example.net'), /^250-AUTH PLAIN LOGIN$/m);
  const started = Date.now();
  assert.equal(await c.command(`AUTH PLAIN ${Buffer.from('\0alice\0wrong').toString('base64')}`), '535 5.7.8 Error: authentication failed: (reason unavailable)');
  assert.ok(Date.now() - started >= 900, 'the reply was held back');
  assert.equal(await c.command(`AUTH PLAIN ${Buffer.from('\0alice\0secret').toString('base64')}`), '235 2.7.0 Authentication successful');
  assert.equal(await c.command('MAIL FROM:<alice@example.com>'), '250 2.1.0 Ok');
  assert.equal(await c.command('RCPT TO:<far@elsewhere.example>'), '250 2.1.5 Ok', 'permit_sasl_authenticated (default relay restrictions)');
  assert.equal(await c.command('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  assert.equal(await c.command('Subject: x\r\n\r\nhi\r\n.'), '250 2.0.0 Ok: queued as TEST1');
  c.end();
  const attrs = h.messages[0]?.begin.attributes;
  assert.equal(attrs?.protocol, 'ESMTPA');
  assert.equal(attrs?.sasl_method, 'PLAIN');
  assert.equal(attrs?.sasl_username, 'alice');
  assert.equal(attrs?.tls, undefined);
});
