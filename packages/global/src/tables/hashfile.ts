/*
 * tables/hashfile - the on-disk format of `hash:` tables (name.db), written by postmap
 * and postalias, read by every daemon. A constant database: built once, never
 * updated in place, replaced atomically by a rebuild. Not Berkeley DB compatible.
 *
 * Layout (all integers little-endian; docs/tables.md has the same picture):
 *   0   header, 64 bytes: magic "MRHASH01", u32 version (1), u32 flags (bit 0: keys
 *       folded to lower case), u32 entry count, u32 slot count (a power of two),
 *       u64 slot table offset, u64 end of records, 24 bytes reserved (zero)
 *   64  records, each 8-byte aligned: u32 key length, u32 value length, key, value (UTF-8)
 *   ..  slot table: slot count x 8 bytes: u32 hash of the key, u32 record offset / 8
 *       (0 = empty slot); open addressing with linear probing, load factor <= 3/4.
 * A lookup reads one run of slots and one record with positional reads on an open
 * descriptor: two system calls, no thread-pool hop, nothing else of the file.
 */
import fs from 'node:fs';
import { TableError } from './types.js';

const MAGIC = 'MRHASH01';
const HEADER_SIZE = 64;
const SLOT_SIZE = 8;
const SLOTS_PER_READ = 32;
export const HASH_FLAG_FOLDED = 1;

/** hashBytes - FNV-1a with a murmur3 finaliser, so that the low bits index well. */
export function hashBytes(buf: Buffer, start: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + len; i++) {
    h ^= buf[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function slotCountFor(n: number): number {
  let s = 16;
  while (s * 3 < n * 4 + 4) s *= 2;
  return s;
}

/** writeHashFile - write a complete table to an empty file open for writing. */
export function writeHashFile(fd: number, entries: ReadonlyMap<string, string>, flags: number): void {
  const n = entries.size;
  const hashes = new Uint32Array(n);
  const offsets = new Uint32Array(n);
  let chunk = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  let pos = HEADER_SIZE;
  let flushed = HEADER_SIZE;
  const flush = (): void => {
    if (used > 0) fs.writeSync(fd, chunk, 0, used, flushed);
    flushed += used;
    used = 0;
  };
  let i = 0;
  for (const [key, value] of entries) {
    const kl = Buffer.byteLength(key);
    const vl = Buffer.byteLength(value);
    const size = (8 + kl + vl + 7) & ~7;
    if (size > chunk.length - used) {
      flush();
      if (size > chunk.length) chunk = Buffer.allocUnsafe(size);
    }
    chunk.writeUInt32LE(kl, used);
    chunk.writeUInt32LE(vl, used + 4);
    chunk.write(key, used + 8, 'utf8');
    chunk.write(value, used + 8 + kl, 'utf8');
    chunk.fill(0, used + 8 + kl + vl, used + size);
    hashes[i] = hashBytes(chunk, used + 8, kl);
    if (pos / 8 > 0xffffffff) throw new TableError('hash table too large (over 32 GiB of records)');
    offsets[i] = pos / 8;
    pos += size;
    used += size;
    i++;
  }
  flush();
  const slotCount = slotCountFor(n);
  const mask = slotCount - 1;
  const slots = Buffer.alloc(slotCount * SLOT_SIZE);
  for (let i = 0; i < n; i++) {
    let s = (hashes[i] as number) & mask;
    while (slots.readUInt32LE(s * SLOT_SIZE + 4) !== 0) s = (s + 1) & mask;
    slots.writeUInt32LE(hashes[i] as number, s * SLOT_SIZE);
    slots.writeUInt32LE(offsets[i] as number, s * SLOT_SIZE + 4);
  }
  fs.writeSync(fd, slots, 0, slots.length, pos);
  const header = Buffer.alloc(HEADER_SIZE);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(1, 8);
  header.writeUInt32LE(flags, 12);
  header.writeUInt32LE(n, 16);
  header.writeUInt32LE(slotCount, 20);
  header.writeBigUInt64LE(BigInt(pos), 24);
  header.writeBigUInt64LE(BigInt(pos), 32);
  fs.writeSync(fd, header, 0, HEADER_SIZE, 0);
}

/** HashFileReader - lookups in one name.db file through an open descriptor. */
export class HashFileReader {
  readonly count: number;
  readonly flags: number;
  private readonly mask: number;
  private readonly slotCount: number;
  private readonly slotOffset: number;
  private readonly recordsEnd: number;
  private readonly slotBuf = Buffer.allocUnsafe(SLOTS_PER_READ * SLOT_SIZE);
  private keyBuf = Buffer.allocUnsafe(1024);
  private recBuf = Buffer.allocUnsafe(4096);
  private fd: number;

  /** open - open and check a table file; throws the fs error or a TableError for a foreign file. */
  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'r');
    try {
      const header = Buffer.alloc(HEADER_SIZE);
      const got = fs.readSync(this.fd, header, 0, HEADER_SIZE, 0);
      if (got < HEADER_SIZE || header.toString('latin1', 0, 8) !== MAGIC) {
        throw new TableError(`${path}: not a Mailroom hash table (rebuild it with postmap)`);
      }
      this.flags = header.readUInt32LE(12);
      this.count = header.readUInt32LE(16);
      this.slotCount = header.readUInt32LE(20);
      this.mask = this.slotCount - 1;
      this.slotOffset = Number(header.readBigUInt64LE(24));
      this.recordsEnd = Number(header.readBigUInt64LE(32));
      const size = fs.fstatSync(this.fd).size;
      if (this.slotCount & this.mask || size < this.slotOffset + this.slotCount * SLOT_SIZE) {
        throw new TableError(`${path}: truncated or corrupt hash table (rebuild it with postmap)`);
      }
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
  }

  /** get - the value stored under key (already folded by the caller), or undefined. */
  get(key: string): string | undefined {
    let kl = Buffer.byteLength(key);
    if (kl > this.keyBuf.length) this.keyBuf = Buffer.allocUnsafe(kl * 2);
    kl = this.keyBuf.write(key, 0, 'utf8');
    const h = hashBytes(this.keyBuf, 0, kl);
    let s = h & this.mask;
    for (let probed = 0; probed < this.slotCount; ) {
      const n = Math.min(SLOTS_PER_READ, this.slotCount - s);
      fs.readSync(this.fd, this.slotBuf, 0, n * SLOT_SIZE, this.slotOffset + s * SLOT_SIZE);
      for (let j = 0; j < n; j++) {
        const off = this.slotBuf.readUInt32LE(j * SLOT_SIZE + 4);
        if (off === 0) return undefined;
        if (this.slotBuf.readUInt32LE(j * SLOT_SIZE) === h) {
          const v = this.readRecord(off * 8, kl);
          if (v !== null) return v;
        }
      }
      probed += n;
      s = (s + n) & this.mask;
    }
    return undefined;
  }

  private readRecord(pos: number, kl: number): string | null {
    const want = Math.max(8 + kl + 248, 256);
    if (want > this.recBuf.length) this.recBuf = Buffer.allocUnsafe(want);
    const got = fs.readSync(this.fd, this.recBuf, 0, want, pos);
    if (got < 8 + kl || this.recBuf.readUInt32LE(0) !== kl) return null;
    if (this.recBuf.compare(this.keyBuf, 0, kl, 8, 8 + kl) !== 0) return null;
    const vl = this.recBuf.readUInt32LE(4);
    if (8 + kl + vl <= got) return this.recBuf.toString('utf8', 8 + kl, 8 + kl + vl);
    const value = Buffer.allocUnsafe(vl);
    fs.readSync(this.fd, value, 0, vl, pos + 8 + kl);
    return value.toString('utf8');
  }

  /** entries - every record in file order, read sequentially in large chunks. */
  *entries(): Generator<[string, string]> {
    let buf = Buffer.allocUnsafe(1 << 20);
    let pos = HEADER_SIZE;
    while (pos < this.recordsEnd) {
      const got = fs.readSync(this.fd, buf, 0, Math.min(buf.length, this.recordsEnd - pos), pos);
      let i = 0;
      while (i + 8 <= got) {
        const kl = buf.readUInt32LE(i);
        const vl = buf.readUInt32LE(i + 4);
        const size = (8 + kl + vl + 7) & ~7;
        if (i + 8 + kl + vl > got) break;
        yield [buf.toString('utf8', i + 8, i + 8 + kl), buf.toString('utf8', i + 8 + kl, i + 8 + kl + vl)];
        i += size;
      }
      if (i === 0) buf = Buffer.allocUnsafe(buf.length * 2);
      pos += i;
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
