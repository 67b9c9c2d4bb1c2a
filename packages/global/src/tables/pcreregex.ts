/*
 * tables/pcreregex - translate PCRE patterns (pcre_table(5)) into JavaScript RegExp
 * source, honouring the table flags that JavaScript lacks: `x` (extended: white space
 * and #comments ignored), `U` (ungreedy), `E` (dollar matches only at the very end)
 * and PCRE's default `$` (end, or before a final newline). Leading inline options
 * such as `(?i)` are folded into the flags. Constructs JavaScript cannot express
 * (possessive quantifiers, atomic groups, recursion, conditionals, \G, \K, \p,
 * inline options elsewhere) are refused with a reason, so the table skips the rule.
 */
import { bracket, escapeLiteral } from './posixregex.js';

export interface PcreFlags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  A: boolean;
  E: boolean;
  U: boolean;
}

const ESCAPES: Record<string, string> = {
  A: '(?<![\\s\\S])',
  z: '(?![\\s\\S])',
  Z: '(?=\\n?(?![\\s\\S]))',
  R: '(?:\\r\\n|\\n|\\r)',
  h: '[ \\t\\xa0]',
  H: '[^ \\t\\xa0]',
  e: '\\x1b',
  a: '\\x07',
};
const REFUSED_ESCAPES = 'GKpPXCoN';

/** leadingOptions - apply `(?imsxU)` / `(?-i)` at the very start of the pattern to flags. */
function leadingOptions(src: string, flags: PcreFlags): string {
  for (;;) {
    const m = /^\(\?([imsxU]*)(?:-([imsxU]*))?\)/.exec(src);
    if (!m || m[0] === '(?)') return src;
    for (const c of m[1] ?? '') flags[c as keyof PcreFlags] = true;
    for (const c of m[2] ?? '') flags[c as keyof PcreFlags] = false;
    src = src.slice(m[0].length);
  }
}

/** group - translate the text after `(?` at src[i]; returns [js, next index]. */
function group(src: string, i: number): [string, number] {
  const rest = src.slice(i);
  if (rest.startsWith('#')) {
    const end = src.indexOf(')', i);
    if (end < 0) throw new Error('missing ) after comment');
    return ['', end + 1];
  }
  for (const pass of [':', '=', '!', '<=', '<!']) if (rest.startsWith(pass)) return [`(?${pass}`, i + pass.length];
  const named = /^(?:P?<|')([A-Za-z_]\w*)[>']/.exec(rest);
  if (named) return [`(?<${named[1]}>`, i + named[0].length];
  const ref = /^P=([A-Za-z_]\w*)\)/.exec(rest);
  if (ref) return [`\\k<${ref[1]}>`, i + ref[0].length];
  if (rest.startsWith('>')) throw new Error('atomic groups (?>...) are not supported');
  if (rest.startsWith('|')) throw new Error('branch reset groups (?|...) are not supported');
  if (rest.startsWith('(')) throw new Error('conditional groups (?(...)...) are not supported');
  if (/^(R|[+-]?\d|&|P>)/.test(rest)) throw new Error('recursive patterns are not supported');
  throw new Error('inline options (?...) are supported only at the start of the pattern');
}

/** translatePcre - PCRE pattern to JavaScript source; flags may be changed by leading options. */
export function translatePcre(pattern: string, flags: PcreFlags): string {
  const src = leadingOptions(pattern, flags);
  let out = '';
  for (let i = 0; i < src.length; ) {
    const ch = src[i] as string;
    if (flags.x && /\s/.test(ch)) {
      i++;
      continue;
    }
    if (flags.x && ch === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl + 1;
      continue;
    }
    if (ch === '[') {
      const [cls, next] = bracket(src, i, true);
      out += cls;
      i = next;
      continue;
    }
    if (ch === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new Error('\\ at end of pattern');
      i += 2;
      if (n === 'Q') {
        const end = src.indexOf('\\E', i);
        const lit = src.slice(i, end < 0 ? src.length : end);
        out += [...lit].map(escapeLiteral).join('');
        i = end < 0 ? src.length : end + 2;
      } else if (n === 'E') {
        /* stray \E: ignored, as PCRE does */
      } else if (ESCAPES[n] !== undefined) {
        out += ESCAPES[n];
      } else if (REFUSED_ESCAPES.includes(n)) {
        throw new Error(`\\${n} is not supported`);
      } else if (n === 'x' && src[i] === '{') {
        const end = src.indexOf('}', i);
        const code = parseInt(src.slice(i + 1, end), 16);
        if (end < 0 || !(code <= 0xffff)) throw new Error('\\x{...} beyond U+FFFF is not supported');
        out += `\\u${code.toString(16).padStart(4, '0')}`;
        i = end + 1;
      } else if (n === 'g' || n === 'k') {
        const m = /^(?:\{(\w+)\}|<(\w+)>|'(\w+)'|(\d+))/.exec(src.slice(i));
        if (!m) throw new Error(`bad \\${n} reference`);
        const name = m[1] ?? m[2] ?? m[3] ?? m[4] ?? '';
        out += /^\d+$/.test(name) ? `\\${name}` : `\\k<${name}>`;
        i += m[0].length;
      } else {
        out += `\\${n}`;
      }
      continue;
    }
    i++;
    if (ch === '(' && src[i] === '?') {
      const [g, next] = group(src, i + 1);
      out += g;
      i = next;
      continue;
    }
    if (ch === '$') {
      out += flags.m ? '$' : flags.E ? '(?![\\s\\S])' : '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    let quant = '';
    if (ch === '*' || ch === '+' || ch === '?') quant = ch;
    else if (ch === '{') {
      const m = /^(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m) {
        quant = `{${m[0]}`;
        i += m[0].length;
      } else {
        out += '\\{';
        continue;
      }
    }
    if (!quant) {
      out += ch === '/' ? '\\/' : ch;
      continue;
    }
    if (src[i] === '+') throw new Error('possessive quantifiers are not supported');
    const lazy = src[i] === '?';
    if (lazy) i++;
    out += quant + (lazy !== flags.U ? '?' : '');
  }
  return out;
}
