/*
 * qshape-table - the counting and the table of qshape (Postfix's qshape(1) layout):
 *
 *                            T  5 10 20 40 80 160 320 640 1280 1280+
 *                     TOTAL  3  1  0  1  0  0   0   0   0    0     1
 *               example.com  2  1  0  1  0  0   0   0   0    0     0
 *
 * Ages are put in buckets of bucket_time minutes doubling (or, with -l, growing
 * linearly) up to bucket_count buckets, the last without limit. A column is as wide as
 * its widest number or heading plus one (at least 3); the domain column takes what is
 * left of terminal_width (at least 18); a domain that does not fit shows its last
 * characters after `+` (`.+` for parent domains). Rows: TOTAL and every domain, by
 * count (highest first), then shorter names first, then by name. With -p, parent
 * domains (`.example.com`) are counted too and shown when they have at least
 * min_subdomains subdomains. Pure; used by qshape.ts.
 */

export interface ShapeOptions {
  bucketCount: number;
  /** Minutes of the first bucket. */
  bucketTime: number;
  linear: boolean;
  parents: boolean;
  minSubdomains: number;
  width: number;
}

export const DEFAULT_SHAPE: ShapeOptions = { bucketCount: 10, bucketTime: 5, linear: false, parents: false, minSubdomains: 5, width: 80 };

/** Narrowest domain column. */
const MIN_DOMAIN_WIDTH = 18;

export class QueueShape {
  /** Per domain (and TOTAL): index 0 the total, 1..bucketCount the buckets. */
  private readonly counts = new Map<string, number[]>();
  /** Distinct subdomains seen under each parent domain (-p). */
  private readonly subdomains = new Map<string, number>();

  constructor(readonly opts: ShapeOptions) {
    this.row('TOTAL');
  }

  private row(name: string): number[] {
    let r = this.counts.get(name);
    if (!r) {
      r = new Array<number>(this.opts.bucketCount + 1).fill(0);
      this.counts.set(name, r);
    }
    return r;
  }

  /** bucket - the bucket (1..bucketCount) of a message `ageSec` seconds old. */
  bucket(ageSec: number): number {
    const m = ageSec / (60 * this.opts.bucketTime);
    if (m < 1) return 1;
    const b = this.opts.linear ? Math.floor(m + 1) : 2 + Math.floor(Math.log(m) / Math.log(2));
    return Math.min(b, this.opts.bucketCount);
  }

  /** add - one message: its age and the addresses counted (recipients, or the sender with -s). */
  add(ageSec: number, addresses: readonly string[]): void {
    const b = this.bucket(ageSec);
    const total = this.row('TOTAL');
    for (const address of addresses) {
      total[0] = (total[0] ?? 0) + 1;
      total[b] = (total[b] ?? 0) + 1;
      let d = domainOf(address);
      let childIsNew = false;
      for (;;) {
        const r = this.row(d);
        const seen = (r[0] ?? 0) > 0;
        r[0] = (r[0] ?? 0) + 1;
        r[b] = (r[b] ?? 0) + 1;
        if (childIsNew) this.subdomains.set(d, (this.subdomains.get(d) ?? 0) + 1);
        childIsNew = !seen;
        if (!this.opts.parents) break;
        const parent = parentOf(d);
        if (parent === undefined) break;
        d = parent;
      }
    }
  }

  /** headings - T, then each bucket's upper limit in minutes, the last with `+`. */
  headings(): string[] {
    const heads = ['T'];
    let t = this.opts.bucketTime;
    for (let i = 1; i <= this.opts.bucketCount; i++) {
      heads.push(i < this.opts.bucketCount ? String(t) : `${heads[i - 1] === 'T' ? 0 : heads[i - 1]}+`);
      t += this.opts.linear ? this.opts.bucketTime : t;
    }
    return heads;
  }

  /** render - the table; `top` > 0 limits the rows after the headings (interim results). */
  render(top = 0): string {
    const heads = this.headings();
    const total = this.row('TOTAL');
    const widths = heads.map((h, i) => {
      const l = Math.max(String(total[i]).length, h.length);
      return l > 2 ? l + 1 : 3;
    });
    const dw = Math.max(MIN_DOMAIN_WIDTH, this.opts.width - widths.reduce((a, b) => a + b, 0));
    const line = (name: string, cells: readonly (string | number)[]): string =>
      fitDomain(name, dw) + cells.map((c, i) => String(c).padStart(widths[i]!)).join('') + '\n';
    let out = line('', heads);
    const rows = [...this.counts.entries()]
      .filter(([d]) => !d.startsWith('.') || (this.subdomains.get(d) ?? 0) >= this.opts.minSubdomains)
      .sort(([a, ra], [b, rb]) => rb[0]! - ra[0]! || a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
    for (const [d, r] of top > 0 ? rows.slice(0, top) : rows) out += line(d, r);
    return out;
  }
}

/** domainOf - the domain qshape counts an address under (lower case; `MAILER-DAEMON` for <>). */
export function domainOf(address: string): string {
  let a = address.toLowerCase();
  if (a === '') return 'MAILER-DAEMON';
  a = a.slice(a.lastIndexOf('@') + 1);
  a = a.replace(/\.\./g, '.');
  const m = /^\.?(.+?)\.?$/.exec(a);
  return m ? m[1]! : a;
}

/** parentOf - `.b.example.com` for `a.b.example.com` or `.a.b.example.com`; undefined below two labels. */
export function parentOf(domain: string): string | undefined {
  const m = /^\.?[^.]+\.(.*\.)/.exec(domain);
  if (!m) return undefined;
  return `.${m[1]}${domain.slice(m[0].length)}`;
}

/** fitDomain - right-justified in `width`, or its tail after `+` / `.+` when too long. */
function fitDomain(d: string, width: number): string {
  if (d.length <= width) return d.padStart(width);
  return d.startsWith('.') ? `.+${d.slice(d.length - width + 2)}` : `+${d.slice(d.length - width + 1)}`;
}
