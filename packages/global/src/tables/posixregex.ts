/*
 * tables/posixregex - translate POSIX regular expressions (regexp_table(5): extended
 * syntax by default, basic syntax when the `x` flag is toggled off) into JavaScript
 * RegExp source. Also translates bracket expressions for the PCRE translator.
 *
 * Differences that remain (documented in docs/tables.md): JavaScript picks the first
 * matching alternative where POSIX picks the longest, which can change $n values;
 * collating elements [.x.] and equivalence classes [=x=] match only the character x.
 */

/** POSIX character classes as JavaScript class contents (ASCII, as in the C locale). */
const CLASSES: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '\\x21-\\x7e',
  lower: 'a-z',
  print: '\\x20-\\x7e',
  punct: '!-\\/:-@\\[-`{-~',
  space: ' \\t\\n\\r\\f\\v',
  upper: 'A-Z',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
};

/** Outside a class, JavaScript gives these a meaning; a literal needs a backslash. */
export function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * bracket - translate the bracket expression that starts at src[i] ('['); returns the
 * JavaScript class and the index after it. In POSIX a backslash inside brackets is an
 * ordinary character; PCRE keeps its escapes.
 */
export function bracket(src: string, i: number, pcre: boolean): [string, number] {
  let j = i + 1;
  let out = '[';
  if (src[j] === '^') {
    out += '^';
    j++;
  }
  for (let first = true; ; first = false) {
    const ch = src[j];
    if (ch === undefined) throw new Error('brackets ([ ]) not balanced');
    if (ch === ']') {
      if (!first) return [`${out}]`, j + 1];
      out += '\\]';
      j++;
    } else if (ch === '[' && (src[j + 1] === ':' || src[j + 1] === '=' || src[j + 1] === '.')) {
      const kind = src[j + 1] as string;
      const end = src.indexOf(`${kind}]`, j + 2);
      if (end < 0) throw new Error('invalid character class');
      const name = src.slice(j + 2, end);
      if (kind === ':') {
        const cls = CLASSES[name];
        if (cls === undefined) throw new Error(`invalid or unsupported character class name "[:${name}:]"`);
        out += cls;
      } else {
        out += [...name].map((c) => (/[\\\]^-]/.test(c) ? `\\${c}` : c)).join('');
      }
      j = end + 2;
    } else if (ch === '\\') {
      if (pcre) {
        const next = src[j + 1];
        if (next === undefined) throw new Error('trailing backslash (\\)');
        out += `\\${next}`;
        j += 2;
      } else {
        out += '\\\\';
        j++;
      }
    } else {
      out += ch === '[' ? '\\[' : ch;
      j++;
    }
  }
}

const GNU_ESCAPES: Record<string, string> = {
  '<': '\\b(?=\\w)',
  '>': '\\b(?<=\\w)',
  '`': '(?<![\\s\\S])',
  "'": '(?![\\s\\S])',
  w: '\\w',
  W: '\\W',
  s: '\\s',
  S: '\\S',
  b: '\\b',
  B: '\\B',
};

/** translatePosix - POSIX extended (or, with extended=false, basic) syntax to JavaScript. */
export function translatePosix(src: string, extended: boolean): string {
  let out = '';
  let atStart = true; // start of the expression or of a group/alternative: `*` is literal in BRE
  for (let i = 0; i < src.length; ) {
    const ch = src[i] as string;
    if (ch === '[') {
      const [cls, next] = bracket(src, i, false);
      out += cls;
      i = next;
      atStart = false;
      continue;
    }
    if (ch === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new Error('trailing backslash (\\)');
      i += 2;
      if (!extended && '(){}|+?'.includes(n)) {
        out += n;
        atStart = n === '(' || n === '|';
        if (n === '(' && src[i] === '^') {
          out += '^';
          i++;
        }
      } else {
        out += /[1-9]/.test(n) ? `\\${n}` : (GNU_ESCAPES[n] ?? escapeLiteral(n));
        atStart = false;
      }
      continue;
    }
    i++;
    if (extended) {
      if (ch === '{') {
        const m = /^(\d+)(,(\d*))?\}/.exec(src.slice(i));
        if (m) {
          out += `{${m[0]}`;
          i += m[0].length;
        } else {
          out += '\\{';
        }
      } else if (ch === '}') {
        out += '\\}';
      } else if (ch === '(' && src[i] === '?') {
        throw new Error('invalid preceding regular expression');
      } else {
        out += ch === '/' ? '\\/' : ch;
      }
      atStart = ch === '(' || ch === '|';
    } else {
      if ('(){}|+?'.includes(ch) || (ch === '*' && atStart) || (ch === '^' && !(atStart && out.length === 0))) {
        out += `\\${ch}`;
      } else if (ch === '$' && !(i === src.length || src.startsWith('\\)', i))) {
        out += '\\$';
      } else {
        out += ch === '/' ? '\\/' : ch;
      }
      atStart = false;
    }
  }
  return out;
}
