/*
 * tables/rules - the rule list shared by regexp, pcre and cidr tables: patterns tried
 * in file order, first match wins, `!pattern` negation, `if pattern` ... `endif`
 * blocks that nest. A dialect parses one pattern and its result; this module does
 * the keywords, the nesting and the warnings (`regexp map FILE, line N: reason`).
 * A rule that cannot be parsed is skipped with a warning, as Postfix does; a broken
 * `if` skips its whole block (safer than Postfix, which runs the block unconditionally).
 */
import type { SourceLine } from './source.js';
import type { TableLog } from './types.js';

/** A rule's verdict on a key: match data, null for no match, undefined for "does not apply". */
export type Verdict<M> = M | null | undefined;

export interface ParsedPattern<K, M> {
  test(key: K): Verdict<M>;
  negate: boolean;
  /** Text after the pattern (the result, or nothing after `if`). */
  rest: string;
}

export interface RuleDialect<K, M> {
  /** `regexp`, `pcre`, `cidr`: names the table in warnings. */
  readonly mapType: string;
  /** Turn the lookup key into what tests take; null when no rule can match it. */
  prepare(key: string): K | null;
  /** Parse a pattern at the start of text; throws Error(reason) when it is bad. */
  parsePattern(text: string): ParsedPattern<K, M>;
  /** Compile the result text; throws Error(reason) when it is bad. */
  compileResult(result: string, pattern: ParsedPattern<K, M>): (match: M | null) => string;
  /** Text used when a rule has no result (after a warning); undefined skips the rule. */
  readonly emptyResult?: string;
}

interface Rule<K, M> {
  op: 'match' | 'if' | 'endif';
  test: (key: K) => Verdict<M>;
  negate: boolean;
  result: (match: M | null) => string;
  blockEnd: number;
}

const keyword = (text: string, word: string): string | undefined =>
  text.length >= word.length && text.slice(0, word.length).toLowerCase() === word && !/[A-Za-z0-9]/.test(text[word.length] ?? '')
    ? text.slice(word.length).trim()
    : undefined;

const never = (): undefined => undefined;

/** compileRules - a lookup function over the rules of a source file. */
export function compileRules<K, M>(lines: SourceLine[], file: string, dialect: RuleDialect<K, M>, log: TableLog): (key: string) => string | undefined {
  const rules: Rule<K, M>[] = [];
  const open: { index: number; line: number }[] = [];
  const where = (line: number): string => `${dialect.mapType} map ${file}, line ${line}`;
  for (const { text, line } of lines) {
    const endif = keyword(text, 'endif');
    if (endif !== undefined) {
      const start = open.pop();
      if (!start) {
        log.warn(`${where(line)}: ignoring ENDIF without matching IF`);
        continue;
      }
      if (endif) log.warn(`${where(line)}: ignoring extra text after ENDIF: "${endif}"`);
      (rules[start.index] as Rule<K, M>).blockEnd = rules.length;
      rules.push({ op: 'endif', test: never, negate: false, result: () => '', blockEnd: 0 });
      continue;
    }
    const cond = keyword(text, 'if');
    const body = cond ?? text;
    let parsed: ParsedPattern<K, M> | undefined;
    try {
      parsed = dialect.parsePattern(body);
    } catch (err) {
      log.warn(`${where(line)}: ${(err as Error).message}: ${cond !== undefined ? 'skipping this IF block' : 'skipping this rule'}`);
    }
    if (cond !== undefined) {
      if (parsed?.rest) log.warn(`${where(line)}: ignoring extra text after IF statement: "${parsed.rest}"`);
      open.push({ index: rules.length, line });
      rules.push({ op: 'if', test: parsed ? parsed.test : never, negate: parsed?.negate ?? false, result: () => '', blockEnd: -1 });
      continue;
    }
    if (!parsed) continue;
    let resultText = parsed.rest;
    if (!resultText) {
      if (dialect.emptyResult === undefined) {
        log.warn(`${where(line)}: no lookup result: skipping this rule`);
        continue;
      }
      log.warn(`${where(line)}: no replacement text: using empty string`);
      resultText = dialect.emptyResult;
    }
    try {
      const result = dialect.compileResult(resultText, parsed);
      rules.push({ op: 'match', test: parsed.test, negate: parsed.negate, result, blockEnd: 0 });
    } catch (err) {
      log.warn(`${where(line)}: ${(err as Error).message}: skipping this rule`);
    }
  }
  for (const start of open) {
    log.warn(`${where(start.line)}: IF has no matching ENDIF`);
    (rules[start.index] as Rule<K, M>).blockEnd = rules.length;
  }
  return (rawKey: string): string | undefined => {
    const key = dialect.prepare(rawKey);
    if (key === null) return undefined;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as Rule<K, M>;
      if (rule.op === 'endif') continue;
      const verdict = rule.test(key);
      const hit = verdict !== undefined && (verdict !== null) !== rule.negate;
      if (rule.op === 'if') {
        if (!hit) i = rule.blockEnd;
      } else if (hit) {
        return rule.result(rule.negate ? null : (verdict as M));
      }
    }
    return undefined;
  };
}
