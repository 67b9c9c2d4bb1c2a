/*
 * tables/source - reading table source files the way Postfix's readlline() does, and
 * splitting `key whitespace value` lines (postmap(1) input format).
 *
 * Unlike main.cf (config/maincf), table lines keep their continuation text as
 * written (no space is inserted), comment and blank lines never end a logical line,
 * and a leading continuation line is a warning, not an error, so that postmap never
 * leaves a truncated table behind. Used by every file-based table and by postmap.
 */
import type { TableLog } from './types.js';

export interface SourceLine {
  /** The logical line: physical lines joined without separator, trailing CR removed. */
  text: string;
  /** First physical line (1-based). */
  line: number;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** eachSourceLine - call fn for each logical line of a table source (no intermediate array). */
export function eachSourceLine(text: string, file: string, log: TableLog, fn: (text: string, line: number) => void): void {
  let curText: string | undefined;
  let curLine = 0;
  let lineNo = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let stop = end;
    if (stop > start && text.charCodeAt(stop - 1) === 13) stop--;
    let j = start;
    while (j < stop && isSpace(text.charCodeAt(j))) j++;
    if (j < stop && text.charCodeAt(j) !== 35 /* # */) {
      const raw = text.slice(start, stop);
      if (j > start) {
        if (curText !== undefined) curText += raw;
        else log.warn(`${file}, line ${lineNo}: logical line must not start with whitespace: "${raw.slice(0, 30)}${raw.length > 30 ? '...' : ''}"`);
      } else {
        if (curText !== undefined) fn(curText, curLine);
        curText = raw;
        curLine = lineNo;
      }
    }
    start = end + 1;
  }
  if (curText !== undefined) fn(curText, curLine);
}

/** sourceLines - group a table source into logical lines; `file` names it in warnings. */
export function sourceLines(text: string, file: string, log: TableLog): SourceLine[] {
  const out: SourceLine[] = [];
  eachSourceLine(text, file, log, (t, line) => out.push({ text: t, line }));
  return out;
}

/** splitKeyValue - `key whitespace value`, both trimmed; undefined when either is missing. */
export function splitKeyValue(text: string): { key: string; value: string } | undefined {
  const n = text.length;
  let i = 0;
  while (i < n && !isSpace(text.charCodeAt(i))) i++;
  let j = i;
  while (j < n && isSpace(text.charCodeAt(j))) j++;
  let e = n;
  while (e > j && isSpace(text.charCodeAt(e - 1))) e--;
  if (i === 0 || e === j) return undefined;
  return { key: text.slice(0, i), value: text.slice(j, e) };
}

/** eachKeyValue - call fn for every valid entry of a postmap(1)-format source, warning about bad lines. */
export function eachKeyValue(text: string, file: string, log: TableLog, fn: (key: string, value: string, line: number) => void): void {
  eachSourceLine(text, file, log, (t, line) => {
    const kv = splitKeyValue(t);
    if (!kv) {
      log.warn(`${file}, line ${line}: expected format: key whitespace value`);
      return;
    }
    if (kv.key.endsWith(':')) log.warn(`${file}, line ${line}: record is in "key: value" format; is this an alias file?`);
    fn(kv.key, kv.value, line);
  });
}
