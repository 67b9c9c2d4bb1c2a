/*
 * headers - the primary message headers, as Postfix's cleanup_message treats them:
 * header_checks (mime_header_checks for Content-* and MIME-Version), hop counting
 * (hopcount_limit), message-id logging, Resent- detection, address rewriting of
 * sender and recipient headers (standard form in the local or remote context,
 * canonical maps and masquerading per *_classes), `sendmail -t` recipient extraction,
 * message_drop_headers, and at the end the missing (Resent-)Message-Id:, Date:, From:
 * and undisclosed_recipients_header. Headers arrive in batches and leave as bytes.
 * Used by session.ts.
 */
import { CLEANUP_FLAG, externalForm, findAddresses, replaceAddresses, type CleanupBegin, type RewriteRule } from '@mailroom/global';
import { map11, masquerade, type MapContext } from './addr-map.js';
import { checkLine } from './checks.js';
import type { Envelope } from './envelope.js';
import { HDR, headerFlags, isHeaderText } from './header-opts.js';
import { headerFromText, type RawHeader } from './header-split.js';
import { mailDate, messageIdFor } from './received.js';
import type { CleanupSettings } from './settings.js';
import { FAIL, type MessageState } from './state.js';

export interface HeaderDeps {
  settings: CleanupSettings;
  state: MessageState;
  map: MapContext;
  envelope: Envelope;
  begin: CleanupBegin;
  /** Header address rewriting context; undefined: leave header addresses alone. */
  context: RewriteRule | undefined;
  arrivalTime: number;
}

const VISIBLE_RCPT = ['to', 'resent-to', 'cc', 'resent-cc'];

/** PrimaryHeaders - the primary header block of one message, batch by batch. */
export class PrimaryHeaders {
  private hops = 0;
  private readonly seen = new Set<string>();
  private resent = false;
  private readonly extracted: string[] = [];
  private readonly extractedResent: string[] = [];
  private readonly extract: boolean;
  private warnedTruncated = false;

  constructor(
    private readonly d: HeaderDeps,
    private readonly eol: () => string,
  ) {
    this.extract = (d.begin.flags & CLEANUP_FLAG.EXTRACT_RECIPIENTS) !== 0;
  }

  /** process - one batch of headers, in order; returns the bytes to write. */
  async process(headers: readonly RawHeader[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const h of headers) await this.one(h, out);
    return out;
  }

  private async one(input: RawHeader, out: Buffer[]): Promise<void> {
    const { state, settings } = this.d;
    let h = input;
    let flags = headerFlags(h.name);
    if (h.name === 'received') this.hops++;
    const maps = flags & HDR.MIME ? settings.checks.mime : settings.checks.header;
    if (maps && state.filtering) {
      const edit = await checkLine(state, maps, 'header', h.text);
      if (edit?.prepend) out.push(headerFromText(edit.prepend, this.eol()).raw);
      if (edit?.drop) return;
      if (edit?.replace) {
        h = headerFromText(edit.replace, this.eol());
        flags = headerFlags(h.name);
      }
    }
    if (h.truncated && !this.warnedTruncated) {
      this.warnedTruncated = true;
      state.log.warn(`${state.queueId}: header too long, truncated to header_size_limit=${settings.headerSizeLimit}: ${h.text.slice(0, 60)}`);
    }
    if (flags & HDR.MIME) {
      if (state.writing) out.push(h.raw);
      return;
    }
    this.seen.add(h.name);
    if (h.name === 'message-id' || h.name === 'resent-message-id') {
      state.log.info(`${state.queueId}: ${h.name}=${h.text.slice(h.text.indexOf(':') + 1).trim()}`);
    }
    if (h.name === 'received' && this.hops >= settings.hopcountLimit && state.failure?.dsn !== '5.4.0') {
      state.log.warn(`${state.queueId}: message rejected: hopcount exceeded`);
      state.fail(FAIL.hops());
    }
    if (!state.writing) return;
    if (flags & HDR.RR) this.resent = true;
    if (flags & (HDR.SENDER | HDR.RECIP)) h = await this.addresses(h, flags);
    if (!settings.dropHeaders.has(h.name)) out.push(h.raw);
  }

  /** addresses - rewrite a sender or recipient header; collect `sendmail -t` recipients. */
  private async addresses(h: RawHeader, flags: number): Promise<RawHeader> {
    const { context } = this.d;
    const wantExtract = this.extract && (flags & HDR.EXTRACT) !== 0;
    if (!context && !wantExtract) return h;
    const colon = h.text.indexOf(':') + 1;
    const value = h.text.slice(colon);
    const spans = findAddresses(value);
    const next: string[] = [];
    for (const s of spans) next.push(s.address === '' ? '' : await this.rewriteOne(s.address, flags));
    if (!context) return h;
    if (next.every((a, i) => a === spans[i]?.address)) return h;
    const text = h.text.slice(0, colon) + replaceAddresses(value, spans, next);
    const raw = Buffer.from(`${text.replace(/\n/g, this.eol())}${this.eol()}`, h.binary ? 'latin1' : 'utf8');
    return { ...h, text, raw };
  }

  /** rewriteOne - Postfix's cleanup_rewrite_sender/recip for one address. */
  private async rewriteOne(address: string, flags: number): Promise<string> {
    const { context, map, settings } = this.d;
    const m = settings.mapping;
    const sender = (flags & HDR.SENDER) !== 0;
    const klass = sender ? 'header_sender' : 'header_recipient';
    let a = context ? await this.rewriteHeader(context, address) : address;
    if (context && (this.d.begin.flags & CLEANUP_FLAG.MAP_OK) !== 0) {
      const own = sender ? m.senderCanonical : m.recipientCanonical;
      const ownClasses = sender ? m.senderCanonicalClasses : m.recipientCanonicalClasses;
      if (own && ownClasses.has(klass)) a = await map11(map, own, a);
      if (m.canonical && m.canonicalClasses.has(klass)) a = await map11(map, m.canonical, a);
    }
    // Recipients for `sendmail -t`: after canonical mapping, before masquerading.
    if (this.extract && flags & HDR.EXTRACT) (flags & HDR.RR ? this.extractedResent : this.extracted).push(a);
    if (context && (this.d.begin.flags & CLEANUP_FLAG.MAP_OK) !== 0 && m.masqClasses.has(klass)) {
      a = masquerade(a, m.masqDomains, m.masqExceptions);
    }
    return a;
  }

  private async rewriteHeader(context: RewriteRule, address: string): Promise<string> {
    try {
      return await this.d.map.rewriter.rewrite(context, address);
    } catch (err) {
      this.d.state.log.warn(`${this.d.state.queueId}: problem talking to service rewrite: ${(err as Error).message}`);
      this.d.state.fail(FAIL.rewrite());
      return address;
    }
  }

  /** finish - the end of the header block: missing headers, and -t recipients to the envelope. */
  finish(): Buffer[] {
    const { state, settings, begin } = this.d;
    if (this.extract) {
      const notify = begin.attributes.notify_flags ? Number(begin.attributes.notify_flags) || undefined : undefined;
      for (const address of this.resent && this.extractedResent.length > 0 ? this.extractedResent : this.extracted) {
        this.d.envelope.recipient({ address, notify });
      }
    }
    if (!state.writing) return [];
    const lines: string[] = [];
    const add = this.d.context !== undefined || settings.alwaysAddMissing;
    const R = this.resent ? 'Resent-' : '';
    const r = R.toLowerCase();
    if (add && !this.seen.has(`${r}message-id`)) {
      const id = messageIdFor(state.queueId, settings.myhostname, Date.now());
      lines.push(`${R}Message-Id: <${id}>`);
      state.log.info(`${state.queueId}: ${r}message-id=<${id}>`);
      this.seen.add(`${r}message-id`);
    }
    if (!this.seen.has('message-id')) state.log.info(`${state.queueId}: message-id=<>`);
    if (add && !this.seen.has(`${r}date`)) lines.push(`${R}Date: ${mailDate(this.d.arrivalTime)}`);
    if (add && !this.seen.has(`${r}from`)) lines.push(`${R}From: ${this.fromValue()}`);
    if (add && settings.undisclosedHeader && !VISIBLE_RCPT.some((n) => this.seen.has(n))) {
      if (isHeaderText(settings.undisclosedHeader)) lines.push(settings.undisclosedHeader);
      else state.log.warn(`bad undisclosed_recipients_header header text "${settings.undisclosedHeader}" -- need "headername: headervalue"`);
    }
    return lines.map((l) => headerFromText(l, this.eol()).raw);
  }

  /** fromValue - `Full Name <sender>` (or the obsolete `sender (Full Name)`), or the bare sender. */
  private fromValue(): string {
    const { state, settings, begin } = this.d;
    const addr = externalForm(state.sender || 'MAILER-DAEMON');
    const name = (begin.senderFullname ?? '').replace(/[\r\n]+/g, ' ').trim();
    if (!state.sender || !name) return addr;
    if (settings.headerFromObsolete) return `${addr} (${name.replace(/([()\\])/g, '\\$1')})`;
    const phrase = /[%!()<>@,;:\\".[\]]/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : name.replace(/\s+/g, ' ');
    return `${phrase} <${addr}>`;
  }

  /** hopCount - Received: headers seen so far. */
  get hopCount(): number {
    return this.hops;
  }
}
