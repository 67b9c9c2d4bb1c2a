/*
 * reply - SMTP/LMTP server replies: a streaming parser that turns socket bytes into
 * complete (possibly multi-line) replies, and the enhanced status code of a reply.
 * Pure; used by session.ts. A reply line longer than MAX_LINE, or more than MAX_LINES
 * lines in one reply, is cut (the peer cannot make us hold unbounded memory).
 */

/** One complete server reply. */
export interface Reply {
  /** The three-digit code (0 when the server sent something that is not a reply). */
  code: number;
  /** The raw lines, without CRLF (`250-PIPELINING`, `250 2.0.0 Ok`). */
  lines: string[];
}

const MAX_LINE = 4096;
const MAX_LINES = 100;
const CODE = /^([2-5]\d\d)([ -]|$)/;

/** ReplyParser - feed bytes, collect replies in arrival order. */
export class ReplyParser {
  private partial = '';
  private lines: string[] = [];
  private code = 0;

  /** push - parse a chunk; returns the replies it completed. */
  push(chunk: Buffer): Reply[] {
    const out: Reply[] = [];
    // latin1 keeps every byte one character; servers' texts are ASCII (or UTF-8 shown as is).
    const text = this.partial + chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const r = this.line(text.slice(start, end));
      if (r) out.push(r);
      start = nl + 1;
    }
    const rest = text.slice(start);
    this.partial = rest.length > MAX_LINE ? rest.slice(0, MAX_LINE) : rest;
    return out;
  }

  private line(raw: string): Reply | undefined {
    const line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
    const m = CODE.exec(line);
    if (!m) {
      // Not a reply line: end whatever was going on with code 0 (a protocol error).
      const lines = [...this.lines, line];
      this.reset();
      return { code: 0, lines };
    }
    if (this.lines.length < MAX_LINES) this.lines.push(line);
    if (this.code === 0) this.code = Number(m[1]);
    if (m[2] === '-') return undefined;
    const reply = { code: this.code, lines: this.lines };
    this.reset();
    return reply;
  }

  private reset(): void {
    this.lines = [];
    this.code = 0;
  }
}

/** replyText - the reply as one line, lines joined by a space (Postfix's log form). */
export function replyText(r: Reply): string {
  return r.lines.join(' ').replace(/[\x00-\x1f\x7f]/g, '?');
}

/** replyClass - 2, 3, 4 or 5 (0 for a malformed reply). */
export function replyClass(r: Reply): number {
  return Math.floor(r.code / 100);
}

/**
 * replyDsn - the enhanced status code of a reply: the one it carries when its class
 * matches the reply code's, else `X.0.0` from the reply code (a malformed reply: 4.5.0).
 */
export function replyDsn(r: Reply): string {
  const cls = replyClass(r);
  if (cls !== 2 && cls !== 4 && cls !== 5) return '4.5.0';
  const first = r.lines[0] ?? '';
  const m = /^\d\d\d[ -]([245])\.(\d{1,3})\.(\d{1,3})(?:\s|$)/.exec(first);
  if (m && Number(m[1]) === cls) return `${cls}.${m[2]}.${m[3]}`;
  return `${cls}.0.0`;
}

/** Capabilities from an EHLO/LHLO reply: keyword (upper case) -> parameters. */
export type Capabilities = Map<string, string>;

/** parseCapabilities - the extension lines of a 250 EHLO reply (the first line is the greeting). */
export function parseCapabilities(r: Reply): Capabilities {
  const caps: Capabilities = new Map();
  for (const line of r.lines.slice(1)) {
    const text = line.slice(4).trim();
    if (!text) continue;
    const sp = text.search(/[\s=]/);
    const key = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    const value = sp < 0 ? '' : text.slice(sp + 1).trim();
    // Old servers announce `AUTH=LOGIN` beside `AUTH PLAIN LOGIN`: one list, as Postfix merges them.
    caps.set(key, key === 'AUTH' && caps.get(key) ? `${caps.get(key)} ${value}` : value);
  }
  return caps;
}
