/*
 * tables/regexp - the `regexp:` (POSIX, regexp_table(5)) and `pcre:` (pcre_table(5))
 * table dialects: `/pattern/flags result`, `!/pattern/ result`, any non-alphanumeric
 * delimiter, `$1` `${1}` `$(1)` substitution and `$$`. Patterns are translated to
 * JavaScript RegExp (posixregex, pcreregex); matching is on the whole key as given,
 * case-insensitive unless the `i` flag is toggled.
 */
import { translatePcre, type PcreFlags } from './pcreregex.js';
import { translatePosix } from './posixregex.js';
import type { ParsedPattern, RuleDialect } from './rules.js';

type Match = RegExpExecArray;

/** splitPattern - `!/pat/flags rest` into its parts; throws Error(reason). */
function splitPattern(text: string): { negate: boolean; pattern: string; flags: string; rest: string } {
  let i = 0;
  let negate = false;
  while (text[i] === '!') {
    negate = !negate;
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
  }
  const delim = text[i];
  if (delim === undefined || /[A-Za-z0-9\s]/.test(delim)) throw new Error('no regular expression found');
  let j = i + 1;
  for (; j < text.length && text[j] !== delim; j++) if (text[j] === '\\') j++;
  if (j >= text.length) throw new Error(`no closing regexp delimiter "${delim}"`);
  let k = j + 1;
  while (k < text.length && !/\s/.test(text[k] as string)) k++;
  return { negate, pattern: text.slice(i + 1, j), flags: text.slice(j + 1, k), rest: text.slice(k).trim() };
}

/** groupCount - the number of capturing groups of a compiled expression. */
function groupCount(source: string, flags: string): number {
  return (new RegExp(`${source}|`, flags.replace('y', '')).exec('') as RegExpExecArray).length - 1;
}

function compile(source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new Error(`error compiling regular expression: ${(err as Error).message}`);
  }
}

interface RegexPattern extends ParsedPattern<string, Match> {
  groups: number;
}

/** compileSubstitution - the result template: `$n`, `${n}`, `$(n)` and `$$`. */
function compileSubstitution(result: string, p: ParsedPattern<string, Match>): (m: Match | null) => string {
  const groups = (p as RegexPattern).groups;
  const parts: (string | number)[] = [];
  let lit = '';
  for (let i = 0; i < result.length; i++) {
    const ch = result[i] as string;
    if (ch !== '$') {
      lit += ch;
      continue;
    }
    const next = result[i + 1];
    if (next === '$') {
      lit += '$';
      i++;
      continue;
    }
    let name: string | undefined;
    if (next === '{' || next === '(') {
      const end = result.indexOf(next === '{' ? '}' : ')', i + 2);
      if (end < 0) throw new Error(`missing closing "${next === '{' ? '}' : ')'}" in replacement text`);
      name = result.slice(i + 2, end);
      i = end;
    } else {
      const m = /^\w+/.exec(result.slice(i + 1));
      if (!m) {
        lit += '$';
        continue;
      }
      name = m[0];
      i += name.length;
    }
    if (!/^\d+$/.test(name)) throw new Error(`non-numeric replacement index "${name}"`);
    const n = Number(name);
    if (p.negate) throw new Error('$number found in negative match replacement text');
    if (n > groups) throw new Error(`out of range replacement index "${name}"`);
    if (lit) parts.push(lit);
    lit = '';
    parts.push(n);
  }
  if (lit) parts.push(lit);
  if (parts.every((x) => typeof x === 'string')) {
    const constant = parts.join('');
    return () => constant;
  }
  return (m) => parts.map((x) => (typeof x === 'number' ? (m?.[x] ?? '') : x)).join('');
}

function regexPattern(source: string, flags: string, negate: boolean, rest: string): RegexPattern {
  const re = compile(source, flags);
  const sticky = re.sticky;
  return {
    negate,
    rest,
    groups: groupCount(source, flags),
    test: (key) => {
      if (sticky) re.lastIndex = 0;
      return re.exec(key);
    },
  };
}

/** regexpDialect - regexp_table(5): flags i (on), m (off), x (on: extended syntax). */
export const regexpDialect: RuleDialect<string, Match> = {
  mapType: 'regexp',
  emptyResult: '',
  prepare: (key) => key,
  compileResult: compileSubstitution,
  parsePattern(text) {
    const sp = splitPattern(text);
    let icase = true;
    let multi = false;
    let extended = true;
    for (const f of sp.flags) {
      if (f === 'i') icase = !icase;
      else if (f === 'm') multi = !multi;
      else if (f === 'x') extended = !extended;
      else throw new Error(`unknown regexp option "${f}"`);
    }
    const source = translatePosix(sp.pattern, extended);
    return regexPattern(source, (icase ? 'i' : '') + (multi ? 'm' : 's'), sp.negate, sp.rest);
  },
};

/** pcreDialect - pcre_table(5): flags i (on), m, s (on), x, A, E, U, X (accepted, no effect). */
export const pcreDialect: RuleDialect<string, Match> = {
  mapType: 'pcre',
  emptyResult: '',
  prepare: (key) => key,
  compileResult: compileSubstitution,
  parsePattern(text) {
    const sp = splitPattern(text);
    const flags: PcreFlags = { i: true, m: false, s: true, x: false, A: false, E: false, U: false };
    for (const f of sp.flags) {
      if (f === 'X') continue;
      if (!'imsxAEU'.includes(f)) throw new Error(`unknown regexp option "${f}"`);
      flags[f as keyof PcreFlags] = !flags[f as keyof PcreFlags];
    }
    let source: string;
    try {
      source = translatePcre(sp.pattern, flags);
    } catch (err) {
      throw new Error(`error compiling regular expression: ${(err as Error).message}`);
    }
    const js = (flags.i ? 'i' : '') + (flags.m ? 'm' : '') + (flags.s ? 's' : '') + (flags.A ? 'y' : '');
    return regexPattern(source, js, sp.negate, sp.rest);
  },
};
