/*
 * checks - header_checks, mime_header_checks, nested_header_checks and body_checks
 * (header_checks(5)): look one logical header or one body line up in a table and act
 * on the result: REJECT, WARN, INFO, HOLD, DISCARD, IGNORE, STRIP, REPLACE, PREPEND,
 * REDIRECT, FILTER, BCC, PASS, DUNNO/OK. Verdicts go into the MessageState; what
 * happens to the line itself (drop, replace, prepend) is returned to the caller.
 * Log lines are Postfix's cleanup_act_log ones. Used by headers.ts and mime.ts.
 */
import { TableLookupError } from '@mailroom/global';
import { isHeaderText } from './header-opts.js';
import type { NamedMaps } from './settings.js';
import { FAIL, splitDsn, type MessageState } from './state.js';

export type CheckContext = 'header' | 'body';

/** What to do with the line that matched. */
export interface CheckEdit {
  /** Remove the line (IGNORE, STRIP). */
  drop?: boolean;
  /** Use this text instead (REPLACE). */
  replace?: string;
  /** Insert this line before it (PREPEND). */
  prepend?: string;
}

/** checkLine - look `text` up in `maps` and act on a match; undefined when nothing changes. */
export async function checkLine(state: MessageState, maps: NamedMaps, context: CheckContext, text: string): Promise<CheckEdit | undefined> {
  if (!state.filtering) return undefined;
  let value: string | undefined;
  try {
    value = await maps.table.get(text);
  } catch (err) {
    if (!(err instanceof TableLookupError)) throw err;
    state.log.warn(`${state.queueId}: ${maps.name} map lookup problem -- message not accepted, try again later`);
    state.fail(FAIL.write());
    return undefined;
  }
  return value === undefined ? undefined : applyAction(state, maps.name, context, text, value);
}

/** applyAction - one table result (`ACTION optional text`) applied to the message. */
export function applyAction(state: MessageState, mapName: string, context: CheckContext, line: string, value: string): CheckEdit | undefined {
  const m = /^(\S*)\s*(.*)$/s.exec(value.trim()) as RegExpExecArray;
  const action = (m[1] as string).toUpperCase();
  const text = m[2] as string;
  const log = (what: string, extra = text): void => state.actLog(what, context, line, extra);
  const needs = (ok: boolean, warning: string): boolean => {
    if (!ok) state.log.warn(warning);
    return ok;
  };
  switch (action) {
    case 'REJECT': {
      const { dsn, reason } = text ? splitDsn(text, '5.7.1') : FAIL.content();
      let code = dsn;
      if (!/^[45]/.test(code)) {
        state.log.warn(`bad DSN action in ${text} -- need 4.x.x or 5.x.x`);
        code = `4${code.slice(1)}`;
      }
      state.fail({ status: code.startsWith('4') ? 'defer' : 'reject', dsn: code, reason });
      state.filtering = false;
      log('reject', `${code} ${reason}`);
      return undefined;
    }
    case 'WARN':
      log('warning');
      return undefined;
    case 'INFO':
      log('info');
      return undefined;
    case 'FILTER':
      if (needs(text.includes(':'), `bad FILTER command "${text}" in ${mapName} -- need transport:destination`)) {
        state.filter = text;
        log('filter');
      }
      return undefined;
    case 'PASS':
      log('pass');
      state.filtering = false;
      return undefined;
    case 'DISCARD':
      log('discard');
      state.discard = true;
      state.filtering = false;
      return undefined;
    case 'HOLD':
      if (!state.hold && !state.discard) {
        log('hold');
        state.hold = true;
      }
      return undefined;
    case 'PREPEND':
    case 'REPLACE': {
      if (!needs(text !== '', `${action} action without text in ${mapName} map`)) return undefined;
      if (context === 'header' && !needs(isHeaderText(text), `bad ${action} header text "${text}" in ${mapName} map -- need "headername: headervalue"`)) {
        return undefined;
      }
      log(action.toLowerCase());
      return action === 'PREPEND' ? { prepend: text } : { replace: text };
    }
    case 'REDIRECT':
      if (needs(text.includes('@'), `bad REDIRECT target "${text}" in ${mapName} map -- need user@domain`)) {
        state.redirect = text;
        log('redirect');
        state.filtering = false;
      }
      return undefined;
    case 'BCC':
      if (needs(text.includes('@'), `bad BCC address "${text}" in ${mapName} map -- need user@domain`)) {
        state.bcc.push(text);
        log('bcc');
      }
      return undefined;
    case 'STRIP':
      log('strip');
      return { drop: true };
    case 'IGNORE':
      return { drop: true };
    case 'DUNNO':
    case 'OK':
      return undefined;
    default:
      state.log.warn(`unknown command in ${mapName} map: ${value}`);
      return undefined;
  }
}
