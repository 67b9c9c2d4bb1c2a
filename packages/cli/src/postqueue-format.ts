/*
 * postqueue-format - the two listings postqueue makes from showq's records
 * (protocols/showq.ts), byte for byte as Postfix 3.x's postqueue (showq_compat.c and
 * showq_json.c; fixtures from a real Postfix in test/postqueue/fixtures):
 *
 *   -p (mailq)  a heading, one block per message separated by empty lines: queue ID
 *               with `*` (active), `!` (hold) and `#` (forced to expire) after it, size,
 *               arrival time (asctime(3), local time), sender; then the recipients, each
 *               preceded by its delay reason right-aligned in parentheses when it differs
 *               from the previous recipient's; `-- N Kbytes in M Requests.` at the end,
 *               or `Mail queue is empty`. Postfix has two column layouts, for short and
 *               long queue IDs; Mailroom's IDs are long ones, so the long layout is used,
 *               and the short one only for short IDs (a spool carried over from Postfix).
 *   -j          one JSON object per message and line, with Postfix's member order and
 *               spacing (`{"queue_name": "deferred", ...}`).
 * Pure functions; used by postqueue-show.ts.
 */
import { asctime as formatAsctime, isLongQueueId, type ShowqMessage } from '@mailroom/global';

interface Layout {
  /** Width of the queue ID column (left-aligned). */
  id: number;
  /** Width of the size column (right-aligned). */
  size: number;
  /** Width of the arrival time column (asctime text cut to this many characters). */
  time: number;
  heading: readonly [string, string, string, string];
}

/** Postfix's S_ formats: `%-11s %7ld %20.20s %s`. */
const SHORT: Layout = { id: 11, size: 7, time: 20, heading: ['-Queue ID-', '--Size--', '----Arrival Time----', '-Sender/Recipient-------'] };
/** Postfix's L_ formats: `%-17s %8ld %19.19s %s`. */
const LONG: Layout = { id: 17, size: 8, time: 19, heading: ['----Queue ID-----', '--Size--', '---Arrival Time----', '--Sender/Recipient------'] };

/** Reasons are right-aligned so that the closing parenthesis ends in column 78. */
const REASON_COLUMN = 76;


/** The last time formatted: queued mail often arrives in bursts within one second. */
let lastTime = { seconds: NaN, tz: '', text: '' };

/** asctime - C's asctime(localtime(t)) without its newline: `Sat Dec  5 23:40:31 2026`. */
export function asctime(epochSeconds: number): string {
  const tz = process.env.TZ ?? '';
  if (lastTime.seconds === epochSeconds && lastTime.tz === tz) return lastTime.text;
  const text = formatAsctime(epochSeconds);
  lastTime = { seconds: epochSeconds, tz, text };
  return text;
}

/** Column widths count bytes, as printf's do. */
function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - Buffer.byteLength(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - Buffer.byteLength(text))) + text;
}

/** MailqFormatter - the -p listing, one message at a time (memory stays bounded). */
export class MailqFormatter {
  private layout: Layout | undefined;
  private count = 0;
  private bytes = 0;

  /** `long`: force a layout; by default the first queue ID decides. */
  constructor(private readonly long?: boolean) {}

  /** message - the text of one message's block (with the heading before the first). */
  message(m: ShowqMessage): string {
    let out = '';
    let L = this.layout;
    if (!L) {
      L = this.layout = (this.long ?? isLongQueueId(m.queue_id)) ? LONG : SHORT;
      out += this.row(...L.heading);
    } else {
      out += '\n';
    }
    this.count++;
    this.bytes += m.message_size;
    const status = (m.queue_name === 'active' ? '*' : m.queue_name === 'hold' ? '!' : '') + (m.forced_expire ? '#' : '');
    const time = asctime(m.arrival_time).slice(0, L.time).padEnd(L.time, ' ');
    out += `${padEnd(m.queue_id + status, L.id)} ${padStart(String(m.message_size), L.size)} ${time} ${m.sender}\n`;
    let saved = '';
    for (const r of m.recipients) {
      const why = r.delay_reason ?? '';
      if (why !== saved) {
        saved = why;
        const shown = why || 'reason unavailable';
        out += `${' '.repeat(Math.max(0, REASON_COLUMN - Buffer.byteLength(shown)))}(${shown})\n`;
      }
      out += this.row('', '', '', r.address);
    }
    return out;
  }

  /** summary - the last lines: the totals, or `Mail queue is empty`. */
  summary(): string {
    if (this.count === 0) return 'Mail queue is empty\n';
    return `\n-- ${Math.floor(this.bytes / 1024)} Kbytes in ${this.count} Request${this.count === 1 ? '' : 's'}.\n`;
  }

  /** row - the string format: `%-Ns %Ms %-Ts %s`. */
  private row(id: string, size: string, time: string, rest: string): string {
    const L = this.layout as Layout;
    return `${padEnd(id, L.id)} ${padStart(size, L.size)} ${padEnd(time, L.time)} ${rest}\n`;
  }
}

const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '"': '\\"', '\\': '\\\\' };

/** jsonQuote - Postfix's json_quote(): short escapes, other control characters as \uXXXX. */
export function jsonQuote(text: string): string {
  return text.replace(/[\x00-\x1f\x7f"\\]/g, (ch) => SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** jsonLine - one message as postqueue -j prints it. */
export function jsonLine(m: ShowqMessage): string {
  const rcpts = m.recipients.map((r) =>
    `{"address": "${jsonQuote(r.address)}"${r.delay_reason ? `, "delay_reason": "${jsonQuote(r.delay_reason)}"` : ''}}`);
  return `{"queue_name": "${jsonQuote(m.queue_name)}", "queue_id": "${jsonQuote(m.queue_id)}", ` +
    `"arrival_time": ${m.arrival_time}, "message_size": ${m.message_size}, "forced_expire": ${m.forced_expire}, ` +
    `"sender": "${jsonQuote(m.sender)}", "recipients": [${rcpts.join(', ')}]}\n`;
}
