/*
 * forbidden - Postfix's "non-SMTP command" test: a line whose first word looks like a
 * message header ("Subject:", "From:"), or whose command name is listed in
 * smtpd_forbidden_commands (default CONNECT GET POST and, through an inline regexp
 * table, any name that does not start with a letter), is no SMTP client talking: a
 * proxy or web page abused to reach the port, or a message body sent as commands after
 * a refused DATA. The session ends at once with "221 2.7.0 Error: I can break rules,
 * too. Goodbye." instead of answering every line.
 * Only names smtpd does not implement are tested (connection.ts). Reads no parameters
 * itself (the list comes from settings.ts); tables open through maps.ts.
 */
import type { LookupTable } from '@mailroom/global';
import { SmtpdTables } from './maps.js';

/** isHeaderLike - `name:` with name made of printable non-space characters (Postfix's is_header). */
export function isHeaderLike(word: string): boolean {
  return /^[\x21-\x39\x3b-\x7e]+:/.test(word);
}

/** ForbiddenCommands - smtpd_forbidden_commands compiled once per process. */
export class ForbiddenCommands {
  private readonly names = new Set<string>();
  private readonly tables: LookupTable[] = [];

  constructor(list: readonly string[], tables: SmtpdTables, warn: (text: string) => void) {
    for (const entry of list) {
      if (!/^[a-z0-9_-]+:./i.test(entry)) {
        this.names.add(entry.toUpperCase());
        continue;
      }
      try {
        this.tables.push(tables.open(entry));
      } catch (err) {
        warn(`smtpd_forbidden_commands: ${(err as Error).message}`);
      }
    }
  }

  /** matches - the command name (first word of the line) is forbidden. */
  async matches(name: string): Promise<boolean> {
    if (this.names.has(name.toUpperCase())) return true;
    for (const t of this.tables) {
      try {
        if ((await t.get(name)) !== undefined) return true;
      } catch {
        // A table that fails is no reason to drop a client.
      }
    }
    return false;
  }
}

const compiled = new WeakMap<readonly string[], ForbiddenCommands>();

/** forbiddenCommands - the process's compiled list (opened at first use, then shared). */
export function forbiddenCommands(list: readonly string[], warn: (text: string) => void): ForbiddenCommands {
  let f = compiled.get(list);
  if (!f) {
    f = new ForbiddenCommands(list, new SmtpdTables({ warn }), warn);
    compiled.set(list, f);
  }
  return f;
}
