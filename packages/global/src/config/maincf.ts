/*
 * config/maincf - parse and edit main.cf in Postfix's syntax.
 *
 * A logical line starts with non-white-space text; a line that starts with white
 * space continues it; empty lines and lines whose first non-blank character is `#`
 * are ignored (also between continuation lines). Each logical line is `name = value`.
 * Pure functions: callers read and write the file.
 */
import { ConfigError } from './types.js';

export interface MainCfEntry {
  name: string;
  /** Value with continuation lines joined by one space, trimmed. */
  value: string;
  /** First physical line (1-based) of the logical line. */
  line: number;
  /** Last physical line (1-based) that belongs to it. */
  lastLine: number;
}

const NAME = /^[A-Za-z0-9_.\-/]+$/;

/** logicalLines - group physical lines of a Postfix-style file into logical lines. */
export function logicalLines(text: string, file: string): { text: string; line: number; lastLine: number }[] {
  const lines = text.split('\n');
  const out: { text: string; line: number; lastLine: number }[] = [];
  lines.forEach((rawLine, i) => {
    const raw = rawLine.replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (/^\s/.test(raw)) {
      const prev = out[out.length - 1];
      if (!prev) throw new ConfigError(file, i + 1, 'continuation line without a preceding entry');
      prev.text += ' ' + trimmed;
      prev.lastLine = i + 1;
      return;
    }
    out.push({ text: trimmed, line: i + 1, lastLine: i + 1 });
  });
  return out;
}

/** parseMainCf - every `name = value` entry of main.cf text, in file order. */
export function parseMainCf(text: string, file: string): MainCfEntry[] {
  return logicalLines(text, file).map((l) => {
    const eq = l.text.indexOf('=');
    if (eq < 0) throw new ConfigError(file, l.line, `missing '=' after parameter name: "${l.text.split(/\s/)[0]}"`);
    const name = l.text.slice(0, eq).trim();
    if (name === '') throw new ConfigError(file, l.line, "missing parameter name before '='");
    if (!NAME.test(name)) throw new ConfigError(file, l.line, `bad parameter name: "${name}"`);
    return { name, value: l.text.slice(eq + 1).trim(), line: l.line, lastLine: l.lastLine };
  });
}

/**
 * editMainCf - `postconf -e` and `-X`: set or remove parameters, keeping every other
 * line (comments, order, blank lines) as it was. A changed parameter keeps its place;
 * a new one is appended at the end.
 */
export function editMainCf(
  text: string,
  file: string,
  set: ReadonlyMap<string, string>,
  remove: ReadonlySet<string> = new Set(),
): string {
  const entries = parseMainCf(text, file);
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const done = new Set<string>();
  // Walk backwards so that line numbers of earlier entries stay valid while splicing.
  for (const e of [...entries].reverse()) {
    if (remove.has(e.name)) {
      lines.splice(e.line - 1, e.lastLine - e.line + 1);
    } else if (set.has(e.name)) {
      const replacement = done.has(e.name) ? [] : [`${e.name} = ${set.get(e.name)}`];
      lines.splice(e.line - 1, e.lastLine - e.line + 1, ...replacement);
      done.add(e.name);
    }
  }
  for (const [name, value] of set) if (!done.has(name)) lines.push(`${name} = ${value}`);
  return lines.join('\n') + (trailingNewline || lines.length > 0 ? '\n' : '');
}
