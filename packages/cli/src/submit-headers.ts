/*
 * submit-headers - find the recipients `sendmail -t` would extract: the addresses in
 * To:, Cc: and Bcc:, or only in Resent-To:, Resent-Cc: and Resent-Bcc: when any
 * Resent- recipient header is present (Postfix's rule). sendmail uses this only to
 * refuse a -t message without recipients (EX_USAGE) before anything is queued; the
 * extraction itself is cleanup's (CLEANUP_FLAG.EXTRACT_RECIPIENTS), so Bcc: removal
 * and rewriting happen in one place. Memory is bounded: at most MAX_TEXT bytes of
 * recipient headers are kept. Pure.
 */
import { parseAddressList } from './submit-address.js';

const RECIPIENT_HEADERS = new Set(['to', 'cc', 'bcc']);
const MAX_TEXT = 1024 * 1024;

/** RecipientHeaderScanner - feed header lines (unfolded here), then ask for recipients. */
export class RecipientHeaderScanner {
  private regular: string[] = [];
  private resent: string[] = [];
  /** The header being collected, when it is a recipient header. */
  private current: string[] | undefined;
  private kept = 0;

  /** line - one header line without its newline (continuation lines start with white space). */
  line(buf: Buffer): void {
    const first = buf[0];
    if (first === 0x20 || first === 0x09) {
      if (this.current) this.keep(this.current, buf.toString('utf8'), true);
      return;
    }
    const text = buf.toString('utf8');
    const m = /^([!-9;-~]+)[ \t]*:(.*)$/s.exec(text);
    this.current = undefined;
    if (!m) return;
    const name = (m[1] as string).toLowerCase();
    if (RECIPIENT_HEADERS.has(name)) this.current = this.regular;
    else if (name.startsWith('resent-') && RECIPIENT_HEADERS.has(name.slice(7))) this.current = this.resent;
    if (this.current) this.keep(this.current, m[2] as string, false);
  }

  /** recipients - the addresses -t would take, internal form. */
  recipients(): string[] {
    const texts = this.resent.length > 0 ? this.resent : this.regular;
    return texts.flatMap((t) => parseAddressList(t)).filter((a) => a !== '');
  }

  private keep(list: string[], text: string, continuation: boolean): void {
    if (this.kept + text.length > MAX_TEXT) return;
    this.kept += text.length;
    if (continuation && list.length > 0) list[list.length - 1] += ` ${text}`;
    else list.push(text);
  }
}
