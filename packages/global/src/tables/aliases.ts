/*
 * tables/aliases - the aliases(5) source format, read by postalias and newaliases,
 * and the parsing of an alias value into delivery targets, used by local(8):
 *   name: value, value, ...          (continuation lines start with white space)
 *   "name with spaces": value        (quoted names)
 * where a value is an address, `/file/name`, `|command`, or `:include:/file/name`.
 */
import type { SourceLine } from './source.js';
import type { TableLog } from './types.js';

/** splitOutsideQuotes - split text at sep characters that are not inside "..." (backslash escapes). */
export function splitOutsideQuotes(text: string, sep: string, max = Infinity): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + (text[++i] as string);
    } else if (ch === '"') {
      quoted = !quoted;
      cur += ch;
    } else if (!quoted && sep.includes(ch) && out.length < max - 1) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

/** unquote - `"a b"` → `a b` (backslash escapes resolved); other text unchanged. */
export function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/\\(.)/g, '$1') : text;
}

export interface AliasEntry {
  /** The alias name, unquoted (not folded). */
  name: string;
  /** The value as stored in the table: elements trimmed, joined with ", ". */
  value: string;
  line: number;
}

/** parseAliasLine - one logical line of an aliases(5) file; undefined (after a warning) when bad. */
export function parseAliasLine(text: string, line: number, file: string, log: TableLog): AliasEntry | undefined {
  const parts = splitOutsideQuotes(text, ':', 2);
  const rawName = (parts[0] ?? '').trim();
  const elements = parts.length === 2 ? splitOutsideQuotes(parts[1] as string, ',').map((s) => s.trim()).filter(Boolean) : [];
  if (!rawName || elements.length === 0) {
    log.warn(`${file}, line ${line}: need name:value pair`);
    return undefined;
  }
  if (/[@%]/.test(rawName.replace(/"(\\.|[^"\\])*"/g, ''))) {
    log.warn(`${file}, line ${line}: name must be local`);
    return undefined;
  }
  return { name: unquote(rawName), value: elements.join(', '), line };
}

/** parseAliasLines - the entries of an aliases(5) file, warning (file, line) about bad ones. */
export function parseAliasLines(lines: SourceLine[], file: string, log: TableLog): AliasEntry[] {
  return lines.flatMap(({ text, line }) => parseAliasLine(text, line, file, log) ?? []);
}

export type AliasTarget =
  | { kind: 'address'; address: string }
  | { kind: 'file'; path: string }
  | { kind: 'command'; command: string }
  | { kind: 'include'; path: string };

/** parseAliasValue - the delivery targets of an alias (or .forward / :include:) value. */
export function parseAliasValue(value: string): AliasTarget[] {
  return splitOutsideQuotes(value, ',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item): AliasTarget => {
      const plain = unquote(item);
      if (/^:include:/i.test(plain)) return { kind: 'include', path: plain.slice(9).trim() };
      if (plain.startsWith('|')) return { kind: 'command', command: plain.slice(1).trim() };
      if (plain.startsWith('/')) return { kind: 'file', path: plain };
      return { kind: 'address', address: item };
    });
}
