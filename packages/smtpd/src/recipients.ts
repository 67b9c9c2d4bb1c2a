/*
 * recipients - is an address one we know, by its address class (ADDRESS_CLASS_README):
 *   any class      found in virtual_alias_maps: known;
 *   local          local_recipient_maps (empty: every local address is known);
 *   virtual alias  nothing else: unknown;
 *   virtual        virtual_mailbox_maps;
 *   relay          relay_recipient_maps (empty: every relay address is known);
 *   default        not our business: known.
 * Unknown recipients get, at RCPT time,
 *   550 5.1.1 <x@y>: Recipient address rejected: User unknown in local recipient table
 * and unknown senders (reject_unlisted_sender) `... 5.1.0 ... Sender address rejected ...`.
 * Reads: unknown_local_recipient_reject_code, unknown_virtual_alias_reject_code,
 * unknown_virtual_mailbox_reject_code, unknown_relay_recipient_reject_code,
 * show_user_unknown_table_name, recipient_delimiter (through RecipientSettings).
 */
import { lookupAddress, RESOLVE_FLAG, type AddressClass, type LookupTable, type ResolveReply } from '@mailroom/global';
import { REPLY, reply, type Reply } from './replies.js';

export interface RecipientMaps {
  /** Absent when the parameter is empty. */
  local?: LookupTable;
  virtualAlias?: LookupTable;
  virtualMailbox?: LookupTable;
  relay?: LookupTable;
}

export interface RecipientSettings {
  codes: Record<'local' | 'alias' | 'virtual' | 'relay', number>;
  showTableName: boolean;
  recipientDelimiter: string;
}

const TABLE_NAME: Record<'local' | 'alias' | 'virtual' | 'relay', string> = {
  local: 'local recipient table',
  alias: 'virtual alias table',
  virtual: 'virtual mailbox table',
  relay: 'relay recipient table',
};

/** unknownIn - the class whose table lacks `address`, or undefined when it is known. */
export async function unknownIn(
  maps: RecipientMaps,
  resolved: ResolveReply,
  recipientDelimiter: string,
): Promise<Exclude<AddressClass, 'default'> | undefined> {
  const cls = resolved.class;
  if (cls === 'default') return undefined;
  const address = resolved.recipient;
  const find = (t: LookupTable, local: boolean): Promise<unknown> => lookupAddress(t, address, { recipientDelimiter, localDomain: local });
  if (maps.virtualAlias && (await find(maps.virtualAlias, false))) return undefined;
  switch (cls) {
    case 'local':
      return !maps.local || (await find(maps.local, true)) ? undefined : 'local';
    case 'alias':
      return 'alias';
    case 'virtual':
      return maps.virtualMailbox && (await find(maps.virtualMailbox, false)) ? undefined : 'virtual';
    case 'relay':
      return !maps.relay || (await find(maps.relay, false)) ? undefined : 'relay';
  }
}

/** RecipientValidator - recipient and sender validation with Postfix's replies. */
export class RecipientValidator {
  constructor(
    private readonly maps: RecipientMaps,
    private readonly settings: RecipientSettings,
    private readonly resolve: (sender: string, address: string) => Promise<ResolveReply>,
    private readonly warn: (msg: string) => void,
  ) {}

  /** recipient - undefined when known, else the RCPT rejection (or a 451 on lookup failure). */
  recipient(address: string): Promise<Reply | undefined> {
    return this.check(address, 'Recipient address', '5.1.1');
  }

  /** sender - as recipient(), for reject_unlisted_sender. */
  sender(address: string): Promise<Reply | undefined> {
    return this.check(address, 'Sender address', '5.1.0');
  }

  private async check(address: string, what: string, dsn: string): Promise<Reply | undefined> {
    try {
      const resolved = await this.resolve('', address);
      if (resolved.flags & RESOLVE_FLAG.FAIL) return REPLY.tempLookup(address);
      const cls = await unknownIn(this.maps, resolved, this.settings.recipientDelimiter);
      if (!cls) return undefined;
      const table = this.settings.showTableName ? ` in ${TABLE_NAME[cls]}` : '';
      return reply(this.settings.codes[cls], dsn, `<${address}>: ${what} rejected: User unknown${table}`);
    } catch (err) {
      this.warn(`${address}: recipient validation: ${(err as Error).message}`);
      return REPLY.tempLookup(address);
    }
  }
}
