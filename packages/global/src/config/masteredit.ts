/*
 * config/masteredit - `postconf -Me`, `-MX` and `-M#`: replace, remove or comment out
 * one master.cf service, keeping every other line as it was. Pure: text in, text out.
 */
import { parseMasterCf } from './mastercf.js';
import { ConfigError } from './types.js';

export type MasterEdit =
  | { kind: 'set'; service: string; type: string; line: string }
  | { kind: 'remove'; service: string; type: string }
  | { kind: 'comment'; service: string; type: string };

/** editMasterCf - apply one edit to master.cf text. */
export function editMasterCf(text: string, file: string, edit: MasterEdit): string {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const entry = parseMasterCf(text, file).find((e) => e.service === edit.service && e.type === edit.type);
  if (edit.kind === 'set') {
    // Validate the new line before touching anything.
    const [parsed] = parseMasterCf(edit.line, `${edit.service}/${edit.type}`);
    if (!parsed || parsed.service !== edit.service || parsed.type !== edit.type) {
      throw new ConfigError(file, 0, `new entry for ${edit.service}/${edit.type} names another service`);
    }
    if (entry) lines.splice(entry.line - 1, entry.lastLine - entry.line + 1, edit.line);
    else lines.push(edit.line);
  } else if (!entry) {
    throw new ConfigError(file, 0, `service ${edit.service}/${edit.type} not found`);
  } else if (edit.kind === 'remove') {
    lines.splice(entry.line - 1, entry.lastLine - entry.line + 1);
  } else {
    for (let i = entry.line - 1; i < entry.lastLine; i++) lines[i] = `#${lines[i] ?? ''}`;
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
