/*
 * envelope - the envelope sender and recipients as Postfix's cleanup_addr and
 * cleanup_out_recipient treat them: rewrite to standard form, sender/recipient
 * canonical mapping and masquerading (per *_classes), automatic BCC (sender_bcc_maps,
 * recipient_bcc_maps, always_bcc, BCC actions), virtual alias expansion, duplicate
 * elimination (duplicate_filter_limit, enable_original_recipient) and REDIRECT.
 * Recipients are processed concurrently but recorded in their original order.
 * Used by session.ts (envelope recipients) and headers.ts (sendmail -t recipients).
 */
import { CLEANUP_FLAG, type QueueRecipientSpec } from '@mailroom/global';
import { map11, map1n, mapAddress, masquerade, rewriteLocal, type MapContext } from './addr-map.js';
import type { CleanupSettings } from './settings.js';
import type { MessageState } from './state.js';

/** DSN NOTIFY bits (Postfix's values). */
const NOTIFY_NEVER = 1;
const NOTIFY_SUCCESS = 2;

/** A recipient before processing: as the client gave it. */
export interface RawRecipient {
  address: string;
  /** The recipient as first received, when a delivery agent forwards (local aliases). */
  original?: string;
  orcpt?: string;
  notify?: number;
}

/** Envelope - the sender and the growing recipient list of one message. */
export class Envelope {
  private readonly out: QueueRecipientSpec[] = [];
  private readonly seen = new Set<string>();
  /** Expansions in flight, kept in arrival order. */
  private readonly pending: Promise<QueueRecipientSpec[]>[] = [];
  private readonly mapOk: boolean;
  private readonly bccOk: boolean;

  constructor(
    private readonly ctx: MapContext,
    private readonly settings: CleanupSettings,
    private readonly state: MessageState,
    flags: number,
  ) {
    this.mapOk = (flags & CLEANUP_FLAG.MAP_OK) !== 0;
    this.bccOk = (flags & CLEANUP_FLAG.BCC_OK) !== 0;
  }

  /** sender - the envelope sender after rewriting; queues its sender_bcc_maps recipient. */
  async sender(raw: string): Promise<string> {
    const m = this.settings.mapping;
    let addr = raw === '' ? '' : await rewriteLocal(this.ctx, raw);
    if (/^mailer-daemon@/i.test(addr) && addr.toLowerCase() === (await rewriteLocal(this.ctx, 'MAILER-DAEMON')).toLowerCase()) addr = '';
    if (this.mapOk && addr !== '') addr = await this.canonical(addr, 'envelope_sender', m.senderCanonical, m.senderCanonicalClasses);
    if (this.bccOk && addr !== '' && m.senderBcc) {
      for (const b of (await mapAddress(this.ctx, m.senderBcc, addr, false)) ?? []) this.bcc(b);
    }
    this.state.sender = addr;
    return addr;
  }

  /** recipient - add one recipient (processed in the background; order is kept). */
  recipient(r: RawRecipient): void {
    this.track(this.expand(r));
  }

  /** bcc - add an automatic BCC recipient (NOTIFY=NEVER, as Postfix). */
  bcc(address: string): void {
    this.track(this.expand({ address, notify: NOTIFY_NEVER }, true));
  }

  /** track - keep the work in order; its failure surfaces in finish(), not as an unhandled rejection. */
  private track(p: Promise<QueueRecipientSpec[]>): void {
    p.catch(() => undefined);
    this.pending.push(p);
  }

  /** finish - wait for every recipient, add always_bcc and BCC actions, apply REDIRECT. */
  async finish(): Promise<QueueRecipientSpec[]> {
    await this.drain();
    if (this.out.length > 0 && this.bccOk) {
      if (this.settings.mapping.alwaysBcc) this.bcc(this.settings.mapping.alwaysBcc);
      for (const b of this.state.bcc) this.bcc(b);
      await this.drain();
    }
    if (this.state.redirect !== undefined && this.out.length > 0) {
      const to = await rewriteLocal(this.ctx, this.state.redirect);
      const first = this.out[0] as QueueRecipientSpec;
      return [{ address: to, original: first.original ?? first.address }];
    }
    return this.out;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      for (const list of await Promise.all(batch)) for (const r of list) this.record(r);
    }
  }

  /** record - append unless it is a duplicate (Postfix's been_here key). */
  private record(r: QueueRecipientSpec): void {
    const s = this.settings;
    const key = s.enableOrcpt ? `${r.orcpt ?? ''}\n${r.notify ?? 0}\n${r.original ?? ''}\n${r.address}` : r.address.toLowerCase();
    if (this.seen.has(key)) return;
    if (s.duplicateFilterLimit === 0 || this.seen.size < s.duplicateFilterLimit) this.seen.add(key);
    this.out.push(s.enableOrcpt ? r : { address: r.address, orcpt: r.orcpt, notify: r.notify });
  }

  /** expand - one recipient through rewriting, canonical, masquerading and virtual aliases. */
  private async expand(r: RawRecipient, isBcc = false): Promise<QueueRecipientSpec[]> {
    const m = this.settings.mapping;
    let addr = await rewriteLocal(this.ctx, r.address === '' ? this.settings.emptyAddressRecipient : r.address);
    if (this.mapOk) addr = await this.canonical(addr, 'envelope_recipient', m.recipientCanonical, m.recipientCanonicalClasses);
    const original = isBcc ? addr : (r.original ?? r.address);
    if (!isBcc) this.state.recip = addr;
    if (!isBcc && this.bccOk && m.recipientBcc) {
      for (const b of (await mapAddress(this.ctx, m.recipientBcc, addr, false)) ?? []) this.bcc(b);
    }
    let notify = r.notify;
    let list = [addr];
    if (this.mapOk && m.virtual) {
      list = await map1n(this.ctx, m.virtual, addr);
      if (notify !== undefined && notify & NOTIFY_SUCCESS && (list.length > 1 || list[0] !== addr)) {
        notify = notify === NOTIFY_SUCCESS ? NOTIFY_NEVER : notify & ~NOTIFY_SUCCESS;
      }
    }
    return list.map((address) => ({ address, original, orcpt: r.orcpt, notify }));
  }

  /** canonical - sender or recipient canonical maps, then canonical_maps, then masquerading. */
  private async canonical(addr: string, klass: string, own: MapContext['settings']['senderCanonical'], ownClasses: ReadonlySet<string>): Promise<string> {
    const m = this.settings.mapping;
    let a = addr;
    if (own && ownClasses.has(klass)) a = await map11(this.ctx, own, a);
    if (m.canonical && m.canonicalClasses.has(klass)) a = await map11(this.ctx, m.canonical, a);
    if (m.masqClasses.has(klass)) a = masquerade(a, m.masqDomains, m.masqExceptions);
    return a;
  }
}
