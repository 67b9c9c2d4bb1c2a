/*
 * restrictions/access - the right-hand side of an access(5) table entry, parsed into the
 * action smtpd takes: OK (and all-numerical values), DUNNO, REJECT [text], DEFER [text],
 * DEFER_IF_REJECT / DEFER_IF_PERMIT [text], 4NN text, 5NN text, HOLD, DISCARD, WARN,
 * INFO, or a restriction list (`permit_mynetworks, reject`). Texts may start with an
 * enhanced status code (`REJECT 5.7.0 go away`). PREPEND, REDIRECT, FILTER and BCC are
 * recognised but not carried out (cleanup has no way to receive them yet).
 * Pure; used by check-access.ts. Kept in this package for now: cleanup's header_checks
 * has its own action set, but a policy daemon client could share this later.
 */
import { splitDsn } from '../replies.js';

export type AccessAction =
  | { kind: 'ok' }
  | { kind: 'dunno' }
  | { kind: 'reject' | 'defer'; code?: number; dsn?: string; text: string }
  | { kind: 'defer_if_permit' | 'defer_if_reject'; dsn?: string; text: string }
  | { kind: 'hold' | 'discard' | 'warn' | 'info'; text: string }
  | { kind: 'restrictions'; value: string }
  | { kind: 'unsupported'; action: string };

const UNSUPPORTED = new Set(['PREPEND', 'REDIRECT', 'FILTER', 'BCC']);

/** parseAccessResult - what an access table's value asks for. */
export function parseAccessResult(value: string): AccessAction {
  const v = value.trim();
  if (/^\d+$/.test(v)) return { kind: 'ok' }; // e.g. pop-before-smtp timestamps
  const m = /^(\S+)\s*([\s\S]*)$/.exec(v);
  const word = (m?.[1] ?? '').toUpperCase();
  const rest = (m?.[2] ?? '').trim();
  const withDsn = (text: string): { dsn?: string; text: string } => {
    const s = splitDsn(text);
    return s.dsn ? { dsn: s.dsn, text: s.text } : { text: s.text };
  };
  if (/^[45]\d\d$/.test(word) && rest !== '') {
    const code = Number(word);
    return { kind: code < 500 ? 'defer' : 'reject', code, ...withDsn(rest) };
  }
  switch (word) {
    case 'OK':
    case 'PERMIT':
      return { kind: 'ok' };
    case 'DUNNO':
      return { kind: 'dunno' };
    case 'REJECT':
      return { kind: 'reject', ...withDsn(rest) };
    case 'DEFER':
      return { kind: 'defer', ...withDsn(rest) };
    case 'DEFER_IF_PERMIT':
      return { kind: 'defer_if_permit', ...withDsn(rest) };
    case 'DEFER_IF_REJECT':
      return { kind: 'defer_if_reject', ...withDsn(rest) };
    case 'HOLD':
    case 'DISCARD':
    case 'WARN':
    case 'INFO':
      return { kind: word.toLowerCase() as 'hold' | 'discard' | 'warn' | 'info', text: rest };
    default:
      if (UNSUPPORTED.has(word)) return { kind: 'unsupported', action: word };
      return { kind: 'restrictions', value: v };
  }
}
