/*
 * tables/cidr - the `cidr:` table dialect (cidr_table(5)): `network/prefix result` or
 * `address result`, `!` negation, `if`/`endif`, first match wins. Patterns and keys
 * are compared as bytes; a key's family is IPv6 when it contains `:`, and a rule of
 * the other family never applies (not even negated), as in Postfix. `[addr]/len`
 * brackets are accepted in patterns.
 */
import { formatIP, maskBytes, parseIPv4, parseIPv6 } from './ipaddr.js';
import type { ParsedPattern, RuleDialect } from './rules.js';

const parseAddr = (text: string): Uint8Array | null => (text.includes(':') ? parseIPv6(text) : parseIPv4(text));

/** parseCidr - one address pattern (without the `!`); throws Error with Postfix's reason. */
export function parseCidr(pattern: string): { net: Uint8Array; bits: number } {
  if (!pattern) throw new Error('no pattern');
  let addr = pattern;
  let mask: string | undefined;
  if (pattern.startsWith('[')) {
    const close = pattern.indexOf(']');
    if (close < 0) throw new Error(`missing ']' character after "${pattern}"`);
    addr = pattern.slice(1, close);
    const after = pattern.slice(close + 1);
    if (after && !after.startsWith('/')) throw new Error(`garbage after "${pattern.slice(0, close + 1)}"`);
    if (after) mask = after.slice(1);
  } else {
    const slash = pattern.indexOf('/');
    if (slash >= 0) {
      addr = pattern.slice(0, slash);
      mask = pattern.slice(slash + 1);
    }
  }
  const net = parseAddr(addr);
  if (mask === undefined) {
    if (!net) throw new Error(`bad address pattern: "${addr}"`);
    return { net, bits: net.length * 8 };
  }
  if (!net || !/^\d+$/.test(mask) || Number(mask) > net.length * 8) throw new Error(`bad net/mask pattern: "${addr}/${mask}"`);
  const bits = Number(mask);
  const masked = maskBytes(net, bits);
  if (masked.some((b, i) => b !== net[i])) {
    throw new Error(`non-null host address bits in "${addr}/${mask}", perhaps you should use "${formatIP(masked)}/${bits}" instead`);
  }
  return { net, bits };
}

/** cidrMatches - whether an address (same family) lies in net/bits. */
function cidrMatches(addr: Uint8Array, net: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== net[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return ((addr[full] as number) & m) === net[full];
}

/** cidrDialect - parses `[!]pattern result` lines; results are returned as written. */
export const cidrDialect: RuleDialect<Uint8Array, true> = {
  mapType: 'cidr',
  prepare: parseAddr,
  compileResult: (result) => () => result,
  parsePattern(text): ParsedPattern<Uint8Array, true> {
    const m = /^(\S*)\s*([\s\S]*)$/.exec(text) as RegExpExecArray;
    let pattern = m[1] as string;
    let negate = false;
    while (pattern.startsWith('!')) {
      negate = !negate;
      pattern = pattern.slice(1);
    }
    const { net, bits } = parseCidr(pattern);
    return {
      negate,
      rest: (m[2] as string).trim(),
      test: (addr) => (addr.length !== net.length ? undefined : cidrMatches(addr, net, bits) ? true : null),
    };
  },
};
