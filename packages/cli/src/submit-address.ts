/*
 * submit-address - parse RFC 822 address lists as sendmail finds them on its command
 * line (`-f`, recipients: `a@x, "B" <b@y>`, groups, comments) and in To:/Cc:/Bcc:
 * headers for `-t`. Each address comes back in internal form (quotes removed), as
 * Postfix's tok822 parse + internalize does. Pure; used by sendmail and its -bs mode.
 */
import { internalForm } from '@mailroom/global';

type Token = { kind: 'word'; text: string } | { kind: 'special'; text: string };

const SPECIALS = '<>,:;@';

/** tokenize - words (atoms, quoted strings, domain literals) and specials; comments dropped. */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(') {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '(') depth++;
        else if (text[i] === ')' && --depth === 0) break;
      }
      i++;
    } else if (c === '"' || c === '[') {
      const close = c === '"' ? '"' : ']';
      let j = i + 1;
      while (j < text.length && text[j] !== close) j += text[j] === '\\' ? 2 : 1;
      out.push({ kind: 'word', text: text.slice(i, Math.min(j + 1, text.length)) });
      i = j + 1;
    } else if (SPECIALS.includes(c)) {
      out.push({ kind: 'special', text: c });
      i++;
    } else {
      let j = i;
      while (j < text.length && !' \t\r\n()"[<>,:;@'.includes(text[j] as string)) j++;
      if (j === i) j++; // a stray ')'
      out.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** joinSpec - tokens of an addr-spec written back without spaces (`a . b @ c` -> `a.b@c`). */
function joinSpec(tokens: readonly Token[]): string {
  return tokens.map((t) => t.text).join('');
}

/** stripRoute - drop an RFC 822 source route: `@a,@b:user@c` -> `user@c`. */
function stripRoute(spec: string): string {
  if (!spec.startsWith('@')) return spec;
  const colon = spec.indexOf(':');
  return colon < 0 ? spec : spec.slice(colon + 1);
}

/** parseAddressList - every address in `text`, internal form; `<>` gives ''. */
export function parseAddressList(text: string): string[] {
  const tokens = tokenize(text);
  const out: string[] = [];
  let pending: Token[] = [];
  let angle: string | undefined;
  const flush = (): void => {
    if (angle !== undefined) out.push(internalForm(stripRoute(angle)));
    else if (pending.length > 0) out.push(internalForm(joinSpec(pending)));
    pending = [];
    angle = undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'special' && t.text === '<') {
      const inner: Token[] = [];
      for (i++; i < tokens.length && !(tokens[i]?.kind === 'special' && tokens[i]?.text === '>'); i++) inner.push(tokens[i] as Token);
      angle = joinSpec(inner);
      pending = [];
    } else if (t.kind === 'special' && (t.text === ',' || t.text === ';')) {
      flush();
    } else if (t.kind === 'special' && t.text === ':' && angle === undefined) {
      pending = []; // group display name
    } else if (angle === undefined) {
      // Words after a complete <addr> (trailing junk) are ignored, as a phrase would be.
      pending.push(t);
    }
  }
  flush();
  return out;
}

/** parseAddressArg - the first address of a command-line argument (sendmail -f); '' when none. */
export function parseAddressArg(text: string): { address: string; count: number } {
  const all = parseAddressList(text);
  return { address: all[0] ?? '', count: all.length };
}
