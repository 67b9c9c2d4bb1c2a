/*
 * address/header-addr - find the addresses in an RFC 822 address list (From, To, Cc,
 * Reply-To ... header values, sendmail's command-line recipients) and replace them in
 * place, as Postfix's tok822 parser does: display names, comments and groups are kept as
 * written; only each addr-spec is touched. Also parses the comma-separated results of
 * canonical and virtual tables. Pure functions; used by cleanup and sendmail.
 */
import { splitOutsideQuotes } from '../tables/aliases.js';
import { externalForm, internalForm } from './index.js';

/** One address found in a header value: where its text is, and its internal form. */
export interface AddrSpan {
  start: number;
  end: number;
  /** Internal (unquoted) form; '' for `<>`. */
  address: string;
}

type TokKind = 'atom' | 'quoted' | 'literal' | 'comment' | 'special';

interface Tok {
  kind: TokKind;
  start: number;
  end: number;
  ch?: string;
}

const SPECIALS = '<>@,;:.';

/** tokenize - RFC 822 tokens with their offsets; white space (and folds) dropped. */
function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(') {
      const start = i;
      let depth = 0;
      for (; i < n; i++) {
        const d = text[i];
        if (d === '\\') i++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      i++;
      toks.push({ kind: 'comment', start, end: Math.min(i, n) });
    } else if (c === '"' || c === '[') {
      const start = i;
      const close = c === '"' ? '"' : ']';
      for (i++; i < n && text[i] !== close; i++) if (text[i] === '\\') i++;
      i++;
      toks.push({ kind: c === '"' ? 'quoted' : 'literal', start, end: Math.min(i, n) });
    } else if (SPECIALS.includes(c)) {
      toks.push({ kind: 'special', start: i, end: i + 1, ch: c });
      i++;
    } else {
      const start = i;
      while (i < n && !' \t\r\n("[\\'.includes(text[i] as string) && !SPECIALS.includes(text[i] as string)) i++;
      if (i === start) i++; // a lone backslash
      toks.push({ kind: 'atom', start, end: i });
    }
  }
  return toks;
}

const isSpecial = (t: Tok | undefined, ch: string): boolean => t?.kind === 'special' && t.ch === ch;

/** spanOf - the addr-spec made of `toks` (comments skipped). */
function spanOf(text: string, toks: Tok[]): AddrSpan | undefined {
  const sig = toks.filter((t) => t.kind !== 'comment');
  const first = sig[0];
  const last = sig[sig.length - 1];
  if (!first || !last) return undefined;
  const external = sig.map((t) => text.slice(t.start, t.end)).join('');
  return { start: first.start, end: last.end, address: internalForm(external) };
}

/** mailboxAddress - the address of one mailbox (`phrase <addr>` or a bare addr-spec). */
function mailboxAddress(text: string, seg: Tok[]): AddrSpan | undefined {
  const open = seg.findIndex((t) => isSpecial(t, '<'));
  if (open < 0) return seg.some((t) => t.kind !== 'comment') ? spanOf(text, seg) : undefined;
  let close = seg.findIndex((t, i) => i > open && isSpecial(t, '>'));
  if (close < 0) close = seg.length;
  let inner = seg.slice(open + 1, close);
  // A source route (<@a,@b:user@c>) is not part of the address.
  const colon = inner.map((t) => isSpecial(t, ':')).lastIndexOf(true);
  if (colon >= 0) inner = inner.slice(colon + 1);
  const span = spanOf(text, inner);
  if (span) return span;
  const at = (seg[open] as Tok).end;
  return { start: at, end: at, address: '' };
}

/** findAddresses - every address in an address-list header value, in order. */
export function findAddresses(text: string): AddrSpan[] {
  const out: AddrSpan[] = [];
  let seg: Tok[] = [];
  let angle = false;
  const flush = (): void => {
    const a = mailboxAddress(text, seg);
    if (a) out.push(a);
    seg = [];
  };
  for (const t of tokenize(text)) {
    if (isSpecial(t, '<')) angle = true;
    else if (isSpecial(t, '>')) angle = false;
    if (!angle && (isSpecial(t, ',') || isSpecial(t, ';'))) {
      flush();
    } else if (!angle && isSpecial(t, ':')) {
      seg = []; // `group-name:` starts a group; the name is no address
    } else {
      seg.push(t);
    }
  }
  flush();
  return out;
}

/** replaceAddresses - `text` with each span's address replaced (internal forms, quoted as needed). */
export function replaceAddresses(text: string, spans: readonly AddrSpan[], addresses: readonly string[]): string {
  let out = text;
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i] as AddrSpan;
    const a = addresses[i] as string;
    if (a === s.address) continue;
    out = out.slice(0, s.start) + externalForm(a) + out.slice(s.end);
  }
  return out;
}

/**
 * parseTableAddresses - the internal forms of a table result: addresses separated by
 * commas or white space (outside quotes); `Name <addr>` forms are understood too.
 */
export function parseTableAddresses(text: string): string[] {
  const spaced = /[<>()]/.test(text) ? [text] : splitOutsideQuotes(text, ' \t\r\n');
  return spaced
    .flatMap((part) => findAddresses(part))
    .map((s) => s.address)
    .filter((a) => a !== '');
}
