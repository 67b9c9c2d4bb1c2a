/*
 * postfix-tls - `postfix tls SUBCOMMAND`, Postfix 3.1+'s postfix-tls(1): opportunistic
 * TLS in one command, and the server's key and self-signed certificate.
 *
 *   enable-client [-r randsource]          smtp_tls_security_level = may, smtp_tls_loglevel = 1
 *   enable-server [-r randsource] [-a rsa] [-b bits] [hostname...]
 *                                          new key and certificate, deployed with smtpd_tls_security_level = may
 *   new-server-key [-a rsa] [-b bits] [hostname...]     new key and certificate, not deployed
 *   new-server-cert [-a rsa] [-b bits] [hostname...]    new certificate for the deployed key
 *   deploy-server-cert certfile keyfile    smtpd_tls_cert_file and smtpd_tls_key_file
 *   output-server-csr [-k keyfile] [hostname...]       a CSR on standard output
 *   output-server-tlsa [-h hostname] [keyfile...]       `_25._tcp.HOST. IN TLSA 3 1 1 <sha256 of SPKI>`
 *   all-default-client | all-default-server            exit 0 when no TLS setting was changed
 *
 * Files: $config_directory/key-YYYYMMDD-HHMMSS.pem (mode 0600) and cert-....pem (UTC
 * time), as Postfix names them. Keys come from Node's crypto (RSA, 2048 bits by default),
 * certificates from node-forge: self-signed, CN and DNS subjectAltNames = the host names
 * (default $myhostname), 100 years, serverAuth and clientAuth. main.cf is edited with the
 * code of `postconf -e`. Only RSA: Mailroom's smtpd has no separate ECDSA certificate
 * parameters. Run as root, the new key file is owned by mail_owner (Mailroom's smtpd reads
 * it after dropping privileges). Messages go to standard error as
 * `postfix/postfix-tls-script: ...`.
 * Parameters read: config_directory, myhostname, mail_owner, smtpd_tls_cert_file, smtpd_tls_key_file,
 * smtpd_tls_security_level, smtp_tls_security_level, smtp_tls_cert_file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { editMainCf, isRoot, lookupUser, writeConfigFile, type Config } from '@mailroom/global';

const TAG = 'postfix/postfix-tls-script';
const CLIENT_SETTINGS = ['smtp_tls_security_level', 'smtp_tls_cert_file'];
const SERVER_SETTINGS = ['smtpd_tls_security_level', 'smtpd_tls_cert_file'];
export const TLS_SUBCOMMANDS = [
  'enable-client', 'enable-server', 'new-server-key', 'new-server-cert', 'deploy-server-cert',
  'output-server-csr', 'output-server-tlsa', 'all-default-client', 'all-default-server',
];

class TlsFatal extends Error {}

function info(text: string): void {
  for (const line of text.split('\n')) process.stderr.write(`${TAG}: ${line}\n`);
}

function fatal(text: string): never {
  throw new TlsFatal(text);
}

/** getopts - POSIX-style options (`-a rsa -b 2048 host...`); `spec` maps a letter to "takes a value". */
function getopts(args: string[], spec: string, usage: string): { opts: Record<string, string>; rest: string[] } {
  const opts: Record<string, string> = {};
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (!/^-./.test(a)) break;
    const letter = a[1] as string;
    if (!spec.includes(letter)) fatal(`usage: postfix tls ${usage}`);
    const value = a.length > 2 ? a.slice(2) : args[++i];
    if (value === undefined) fatal(`usage: postfix tls ${usage}`);
    opts[letter] = value;
  }
  return { opts, rest: args.slice(i) };
}

/** stamp - YYYYMMDD-HHMMSS in UTC, as Postfix names new key and certificate files. */
export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** inConfigDir - a path relative to $config_directory unless absolute. */
function inConfigDir(config: Config, file: string): string {
  return path.isAbsolute(file) ? file : path.join(config.configDir, file);
}

function allDefault(config: Config, names: string[]): boolean {
  const set = config.setNames();
  return names.every((n) => !set.includes(n));
}

function editMain(config: Config, settings: [string, string][]): void {
  const file = path.join(config.configDir, 'main.cf');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  writeConfigFile(file, editMainCf(text, file, new Map(settings)));
}

/** newKey - a PKCS#8 PEM RSA private key. */
export function newKey(bits: number): string {
  if (!Number.isInteger(bits) || bits < 1024 || bits > 16384) fatal(`invalid RSA key size: ${bits}`);
  return crypto.generateKeyPairSync('rsa', { modulusLength: bits, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
}

function readKey(file: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
    const k = crypto.createPrivateKey(pem);
    if (k.asymmetricKeyType !== 'rsa') fatal(`Key algorithm '${k.asymmetricKeyType ?? '?'}' of '${file}' is not 'rsa'`);
  } catch (err) {
    if (err instanceof TlsFatal) throw err;
    fatal(`no private key found in file: ${file}`);
  }
  return pem;
}

/** selfSignedCert - a self-signed certificate for `names` (the first is the CommonName). */
export function selfSignedCert(keyPem: string, names: string[]): string {
  const spki = crypto.createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spki);
  cert.serialNumber = `01${crypto.randomBytes(15).toString('hex')}`;
  const now = new Date();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + 36525 * 86_400_000);
  const dn = [{ name: 'commonName', value: names[0] as string }];
  cert.setSubject(dn);
  cert.setIssuer(dn);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'subjectKeyIdentifier' },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** spkiSha256 - hex SHA-256 of the DER public key (a DANE `3 1 1` record's data). */
export function spkiSha256(pem: string): string {
  const key = pem.includes('CERTIFICATE') ? new crypto.X509Certificate(pem).publicKey : crypto.createPublicKey(pem);
  return crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

function hostnames(config: Config, args: string[]): string[] {
  return args.length > 0 ? args : [config.get('myhostname')];
}

function algorithmBits(opts: Record<string, string>): number {
  const algo = (opts.a ?? 'rsa').toLowerCase();
  if (algo !== 'rsa') fatal(`Unsupported private key algorithm: ${algo}`);
  return Number(opts.b ?? '2048');
}

/** deploy - point smtpd at a certificate and key that belong together. */
function deploy(config: Config, certFile: string, keyFile: string, enable: boolean): void {
  const key = readKey(keyFile);
  let certPem: string;
  try {
    certPem = fs.readFileSync(certFile, 'utf8');
    new crypto.X509Certificate(certPem);
  } catch {
    fatal('error computing certificate public key digest');
  }
  if (spkiSha256(certPem) !== spkiSha256(key)) fatal(`Certificate in ${certFile} does not match key in ${keyFile}`);
  const settings: [string, string][] = [['smtpd_tls_key_file', keyFile], ['smtpd_tls_cert_file', certFile]];
  if (enable) settings.push(['smtpd_tls_security_level', 'may'], ['smtpd_tls_received_header', 'yes'], ['smtpd_tls_loglevel', '1']);
  editMain(config, settings);
}

/** newServerCert - a new certificate (and key, unless `oldKey` is reused); deployed when `deployMode`. */
function newServerCert(config: Config, bits: number, oldKey: string | undefined, deployMode: '' | 'enable', names: string[]): void {
  const t = stamp();
  const keyFile = path.join(config.configDir, `key-${t}.pem`);
  const certFile = path.join(config.configDir, `cert-${t}.pem`);
  if (fs.existsSync(certFile)) fatal(`New certificate file already exists: ${certFile}`);
  const key = oldKey ? readKey(oldKey) : newKey(bits);
  fs.writeFileSync(keyFile, key, { mode: 0o600 });
  // Postfix's smtpd reads its key as root; Mailroom's runs as mail_owner, which must own it.
  const owner = isRoot() ? lookupUser(config.get('mail_owner')) : undefined;
  if (owner && owner.uid !== 0) fs.chownSync(keyFile, owner.uid, owner.gid);
  fs.writeFileSync(certFile, selfSignedCert(key, names), { mode: 0o644 });
  const lines: string[] = [];
  if (deployMode) {
    deploy(config, certFile, keyFile, true);
    lines.push('Enabled opportunistic TLS in the Postfix SMTP server', 'New TLS private key and certificate deployed.',
      'Run the command:', '  # postfix reload', 'if you want the new settings to take effect immediately.');
  } else {
    lines.push('New private key and self-signed certificate created. To deploy run:', `  # postfix tls deploy-server-cert ${certFile} ${keyFile}`);
  }
  lines.push('To generate a CSR run:', `  # postfix tls output-server-csr -k ${keyFile} [<hostname> ...]`,
    deployMode ? `Save the signed certificate chain in ${certFile}.` : `Save the signed certificate chain in ${certFile}, and deploy as above.`,
    'To generate TLSA records run:', `  # postfix tls output-server-tlsa [-h <hostname>] ${deployMode ? '' : keyFile}`.trimEnd());
  if (!oldKey) {
    lines.push(deployMode ? '(If you have DANE TLSA RRs, update them as soon as possible to match\nthe newly deployed keys).'
      : '(deploy after updating the DNS and waiting for stale RRs to expire).');
  }
  info(lines.join('\n'));
}

/** csr - a certificate signing request for a key and host names. */
function csr(keyPem: string, names: string[]): string {
  const req = forge.pki.createCertificationRequest();
  const spki = crypto.createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString();
  req.publicKey = forge.pki.publicKeyFromPem(spki);
  req.setSubject([{ name: 'commonName', value: names[0] as string }]);
  req.setAttributes([{
    name: 'extensionRequest',
    extensions: [
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
    ],
  }]);
  req.sign(forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(req);
}

/** keyFileOf - a keyfile argument: an algorithm name (the deployed key) or a path. */
function keyFileOf(config: Config, arg: string): string | undefined {
  if (arg === 'rsa') return config.get('smtpd_tls_key_file').trim() || undefined;
  if (arg === 'ecdsa' || arg === 'none' || arg === '') return undefined;
  return inConfigDir(config, arg);
}

/** runTls - one `postfix tls` subcommand; the exit status. */
export function runTls(config: Config, args: string[]): number {
  const [cmd = '', ...rest] = args;
  try {
    switch (cmd) {
      case 'all-default-client':
        return allDefault(config, CLIENT_SETTINGS) ? 0 : 1;
      case 'all-default-server':
        return allDefault(config, SERVER_SETTINGS) ? 0 : 1;
      case 'enable-client': {
        const { rest: extra } = getopts(rest, 'r', `${cmd} [-r devrandom]`);
        if (extra.length > 0) fatal(`usage: postfix tls ${cmd} [-r devrandom]`);
        if (!allDefault(config, CLIENT_SETTINGS)) {
          info('*** Non-default SMTP client TLS settings detected, no changes made.\nFor opportunistic TLS in the Postfix SMTP client, the below settings\nare typical:\n  smtp_tls_security_level = may\n  smtp_tls_loglevel = 1');
          return 0;
        }
        editMain(config, [['smtp_tls_security_level', 'may'], ['smtp_tls_loglevel', '1']]);
        info('Enabled opportunistic TLS in the Postfix SMTP client.\nRun the command:\n  # postfix reload\nif you want the new settings to take effect immediately.');
        return 0;
      }
      case 'enable-server': {
        const { opts, rest: names } = getopts(rest, 'abr', `${cmd} [-a algorithm] [-b bits ] [-r devrandom] [hostname ...]`);
        const bits = algorithmBits(opts);
        if (!allDefault(config, SERVER_SETTINGS)) {
          info('*** Non-default SMTP server TLS settings detected, no changes made.\nFor opportunistic TLS in the Postfix SMTP server, the below settings\nare typical:\n  smtpd_tls_security_level = may\n  smtpd_tls_loglevel = 1\nYou can use "postfix tls new-server-cert" to create a new certificate.\nOr, "postfix tls new-server-key" to also force a new private key.');
          return 0;
        }
        newServerCert(config, bits, undefined, 'enable', hostnames(config, names));
        return 0;
      }
      case 'new-server-key': {
        const { opts, rest: names } = getopts(rest, 'ab', `${cmd} [-a algorithm] [-b bits ] [hostname ...]`);
        newServerCert(config, algorithmBits(opts), undefined, '', hostnames(config, names));
        return 0;
      }
      case 'new-server-cert': {
        const { opts, rest: names } = getopts(rest, 'ab', `${cmd} [-a algorithm] [-b bits ] [hostname ...]`);
        const bits = algorithmBits(opts);
        let oldKey = keyFileOf(config, 'rsa');
        if (oldKey && !fs.existsSync(oldKey)) {
          info(`warning: Key file: ${oldKey} not found, creating new keys`);
          oldKey = undefined;
        }
        newServerCert(config, bits, oldKey, '', hostnames(config, names));
        return 0;
      }
      case 'deploy-server-cert': {
        if (rest.length !== 2) fatal(`usage: postfix tls ${cmd} certfile keyfile`);
        const certFile = inConfigDir(config, rest[0] as string);
        const keyFile = inConfigDir(config, rest[1] as string);
        deploy(config, certFile, keyFile, false);
        info('New TLS private key and certificate deployed.\nRun the command:\n  # postfix reload\nif you want the new settings to take effect immediately.');
        return 0;
      }
      case 'output-server-csr': {
        const { opts, rest: names } = getopts(rest, 'k', `${cmd} [-k keyfile] [hostname ...]`);
        const keyFile = keyFileOf(config, opts.k ?? 'rsa');
        if (!keyFile) fatal('no private key configured: set smtpd_tls_key_file or use -k keyfile');
        process.stdout.write(csr(readKey(keyFile), hostnames(config, names)));
        return 0;
      }
      case 'output-server-tlsa': {
        const { opts, rest: keys } = getopts(rest, 'h', `${cmd} [-h hostname] [keyfile ...]`);
        const host = opts.h ?? config.get('myhostname');
        const files = (keys.length > 0 ? keys : ['rsa', 'ecdsa']).map((k) => keyFileOf(config, k)).filter((f): f is string => !!f);
        for (const f of files) process.stdout.write(`_25._tcp.${host}. IN TLSA 3 1 1 ${spkiSha256(readKey(f))}\n`);
        return 0;
      }
      default:
        fatal(`unknown tls subcommand: '${cmd}'. Use one of: ${TLS_SUBCOMMANDS.join(', ')}`);
    }
  } catch (err) {
    if (!(err instanceof TlsFatal)) throw err;
    info(`fatal: ${err.message}`);
    return 1;
  }
}
