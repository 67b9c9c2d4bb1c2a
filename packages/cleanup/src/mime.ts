/*
 * mime - content inspection below the primary headers, on mailsplit's Splitter:
 * mime_header_checks for the headers of each MIME part (and the MIME headers of
 * attached messages), nested_header_checks for the other headers of attached
 * messages (message/rfc822), body_checks for every body line including boundaries.
 * Bytes that no action touches are written exactly as received. Only used when one of
 * those tables is set (session.ts otherwise streams the body straight to the file),
 * since the splitter costs a little per line. mailsplit errors (a MIME part header
 * over its limit, too many parts) reject the message (5.6.0).
 */
import { isUtf8 } from 'node:buffer';
import mailsplit from 'mailsplit';
import { BodyLineChecker } from './body-lines.js';
import { checkLine } from './checks.js';
import { HDR, headerFlags, headerName } from './header-opts.js';
import type { CheckSettings, NamedMaps } from './settings.js';
import type { MessageState } from './state.js';

type Writer = (bufs: Buffer[]) => Promise<void>;

/** Most MIME parts one message may have before it is refused (mailsplit's guard). */
const MAX_PARTS = 10_000;

/** mimeInspectionWanted - true when the body has to go through the splitter. */
export function mimeInspectionWanted(c: CheckSettings): boolean {
  return c.mime !== undefined || c.nested !== undefined || c.body !== undefined;
}

export class MimeStage {
  private readonly splitter: mailsplit.Splitter;
  private readonly done: Promise<void>;
  private readonly body: BodyLineChecker | undefined;
  private failed = false;

  constructor(
    private readonly state: MessageState,
    private readonly checks: CheckSettings,
    private readonly write: Writer,
    private readonly eol: string,
    sizeLimit: number,
  ) {
    // A header block may be as large as the message (Postfix limits each header, header_size_limit,
    // not their number): 100,000 short headers are no reason to refuse mail.
    const maxHeadSize = sizeLimit > 0 ? Math.max(sizeLimit, 1 << 20) : Number.MAX_SAFE_INTEGER;
    this.splitter = new mailsplit.Splitter({ maxHeadSize, maxChildNodes: MAX_PARTS, defaultInlineEmbedded: true });
    this.body = checks.body ? new BodyLineChecker(state, checks.body, checks.bodySizeLimit) : undefined;
    this.done = this.consume();
    this.done.catch(() => undefined);
  }

  /** push - content bytes (the primary header block first); waits while the splitter is full. */
  async push(chunk: Buffer): Promise<void> {
    if (this.failed) return;
    if (this.splitter.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const go = (): void => {
        this.splitter.off('drain', go);
        this.splitter.off('close', go);
        resolve();
      };
      this.splitter.on('drain', go);
      this.splitter.on('close', go);
    });
  }

  /** end - no more content: wait until everything has been inspected and written. */
  async end(): Promise<void> {
    if (!this.failed) this.splitter.end();
    await this.done;
  }

  private async consume(): Promise<void> {
    try {
      for await (const obj of this.splitter as AsyncIterable<mailsplit.SplitterChunk>) {
        if (!this.state.writing) continue; // keep draining; nothing will be kept
        if (obj.type === 'node') await this.node(obj);
        else await this.write(this.body ? await this.body.push(obj.value) : [obj.value]);
      }
      if (this.body && this.state.writing) await this.write(await this.body.end());
    } catch (err) {
      this.failed = true;
      this.state.log.warn(`${this.state.queueId}: reject: mime-error ${(err as Error).message} from ${this.state.origin}`);
      this.state.fail({ status: 'reject', dsn: '5.6.0', reason: 'message content rejected' });
      this.splitter.destroy();
    }
  }

  /** node - a part's header block: inspected, then written (unchanged bytes if nothing changed). */
  private async node(node: mailsplit.MimeNode): Promise<void> {
    const held = this.body ? this.body.newPart() : [];
    const raw = node.getHeaders();
    const parent = node.parentNode;
    const nested = parent !== false && parent.messageNode === true;
    if (node.root || !this.state.filtering) {
      await this.write([...held, raw]);
      return;
    }
    const out: Buffer[] = [];
    const line = (text: string, enc: BufferEncoding): Buffer => Buffer.from(`${text.replace(/\r?\n/g, this.eol)}${this.eol}`, enc);
    let changed = false;
    for (const l of node.headers.getList()) {
      const bytes = Buffer.from(l.line, 'latin1');
      const utf8 = isUtf8(bytes);
      const text = (utf8 ? bytes.toString('utf8') : l.line).replace(/\r\n/g, '\n');
      const name = headerName(text) ?? '';
      const maps: NamedMaps | undefined = nested && !(headerFlags(name) & HDR.MIME) ? this.checks.nested : this.checks.mime;
      const edit = maps && this.state.filtering ? await checkLine(this.state, maps, 'header', text) : undefined;
      if (!edit) {
        out.push(line(l.line, 'latin1'));
        continue;
      }
      changed = true;
      if (edit.prepend !== undefined) out.push(line(edit.prepend, 'utf8'));
      if (!edit.drop) out.push(edit.replace !== undefined ? line(edit.replace, 'utf8') : line(l.line, 'latin1'));
    }
    if (!changed) {
      await this.write([...held, raw]);
      return;
    }
    // The block keeps its empty line (a part cut short by a boundary has none).
    if (/\n\r?\n$/.test(raw.toString('latin1', Math.max(0, raw.length - 4)))) out.push(Buffer.from(this.eol));
    await this.write([...held, ...out]);
  }
}
