/*
 * sasl/crypt - check a password against a Dovecot password scheme (doveadm pw -s ...):
 *   {PLAIN} {CLEAR} {CLEARTEXT}     the password itself
 *   {SHA512-CRYPT} {SHA256-CRYPT}   $6$ / $5$ crypt (unixcrypt, pure JS)
 *   {BLF-CRYPT}                     $2y$ / $2b$ / $2a$ bcrypt (hash-wasm, WebAssembly)
 *   {ARGON2ID} {ARGON2I}            $argon2id$ / $argon2i$ (hash-wasm)
 *   {MD5-CRYPT}                     $1$ crypt (here: a few lines over node:crypto)
 *   {CRYPT}                         any of the crypt forms above, by its $id$ prefix
 * Traditional DES crypt and the digest schemes ({SHA256}, {SSHA}, ...) are not supported:
 * such an entry never matches, and passwd-file.ts logs a warning naming the scheme.
 * Used by passwd-file.ts. Reads no parameters.
 */
import crypto from 'node:crypto';
import { argon2Verify, bcryptVerify } from 'hash-wasm';
import { verify as shaCryptVerify } from 'unixcrypt';

export const SUPPORTED_SCHEMES = ['PLAIN', 'CLEAR', 'CLEARTEXT', 'SHA512-CRYPT', 'SHA256-CRYPT', 'BLF-CRYPT', 'ARGON2ID', 'ARGON2I', 'MD5-CRYPT', 'CRYPT'] as const;

/** splitScheme - `{SCHEME}rest` into scheme (upper case) and rest; no braces: `fallback`. */
export function splitScheme(stored: string, fallback = 'CRYPT'): { scheme: string; hash: string } {
  const m = /^\{([A-Za-z0-9._-]+)\}/.exec(stored);
  if (!m) return { scheme: fallback, hash: stored };
  return { scheme: (m[1] as string).toUpperCase(), hash: stored.slice(m[0].length) };
}

/** equalText - constant-time comparison of two strings. */
function equalText(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y) && a === b;
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(v: number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    out += ITOA64[v & 0x3f];
    v >>>= 6;
  }
  return out;
}

/** md5Crypt - the $1$ crypt of `password` with the salt of `setting` (FreeBSD's md5crypt). */
export function md5Crypt(password: string, setting: string): string {
  const pw = Buffer.from(password, 'utf8');
  const salt = (setting.replace(/^\$1\$/, '').split('$', 1)[0] ?? '').slice(0, 8);
  const md5 = (...parts: (Buffer | string)[]): Buffer => {
    const h = crypto.createHash('md5');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const alt = md5(pw, salt, pw);
  const ctx = crypto.createHash('md5').update(pw).update('$1$').update(salt);
  for (let left = pw.length; left > 0; left -= 16) ctx.update(alt.subarray(0, Math.min(16, left)));
  for (let i = pw.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let fin = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const c = crypto.createHash('md5');
    c.update(i & 1 ? pw : fin);
    if (i % 3) c.update(salt);
    if (i % 7) c.update(pw);
    c.update(i & 1 ? fin : pw);
    fin = c.digest();
  }
  const b = (i: number): number => fin[i] as number;
  const enc =
    to64((b(0) << 16) | (b(6) << 8) | b(12), 4) +
    to64((b(1) << 16) | (b(7) << 8) | b(13), 4) +
    to64((b(2) << 16) | (b(8) << 8) | b(14), 4) +
    to64((b(3) << 16) | (b(9) << 8) | b(15), 4) +
    to64((b(4) << 16) | (b(10) << 8) | b(5), 4) +
    to64(b(11), 2);
  return `$1$${salt}$${enc}`;
}

/** cryptVerify - a crypt(3)-style hash, by its prefix; undefined when the form is unknown. */
async function cryptVerify(password: string, hash: string): Promise<boolean | undefined> {
  if (/^\$2[aby]\$/.test(hash)) return bcryptVerify({ password, hash: hash.replace(/^\$2y\$/, '$2b$') });
  if (/^\$[56]\$/.test(hash)) return shaCryptVerify(password, hash);
  if (hash.startsWith('$1$')) return equalText(md5Crypt(password, hash), hash);
  if (/^\$argon2id?\$/.test(hash)) return argon2Verify({ password, hash });
  return undefined;
}

/**
 * verifyPassword - does `password` match the stored value (`{SCHEME}hash`)? Resolves
 * true/false; undefined when the scheme or hash form is not supported.
 */
export async function verifyPassword(stored: string, password: string, defaultScheme = 'CRYPT'): Promise<boolean | undefined> {
  const { scheme, hash } = splitScheme(stored, defaultScheme);
  try {
    switch (scheme) {
      case 'PLAIN':
      case 'CLEAR':
      case 'CLEARTEXT':
        return equalText(password, hash);
      case 'SHA512-CRYPT':
        return hash.startsWith('$6$') ? shaCryptVerify(password, hash) : false;
      case 'SHA256-CRYPT':
        return hash.startsWith('$5$') ? shaCryptVerify(password, hash) : false;
      case 'BLF-CRYPT':
        return /^\$2[aby]\$/.test(hash) ? await cryptVerify(password, hash) : false;
      case 'ARGON2ID':
      case 'ARGON2I':
        return /^\$argon2id?\$/.test(hash) ? await argon2Verify({ password, hash }) : false;
      case 'MD5-CRYPT':
        return hash.startsWith('$1$') ? equalText(md5Crypt(password, hash), hash) : false;
      case 'CRYPT':
        return await cryptVerify(password, hash);
      default:
        return undefined;
    }
  } catch {
    return false; // a malformed hash matches nothing
  }
}
