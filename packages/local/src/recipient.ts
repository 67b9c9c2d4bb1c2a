/*
 * recipient - deliver one local recipient as local(8) does: refuse a forwarding loop
 * (the address is in a Delivered-To: header: 5.4.6), then try, in order, its alias
 * (alias_maps), its ~/.forward, its mailbox; else it is an unknown user. Called for every
 * request recipient and again for every further address that resolves to local.
 * Reads (through settings): recipient_delimiter.
 */
import { splitAddress, splitExtension } from '@mailroom/global';
import { deliverAlias } from './alias.js';
import { deliverDotForward } from './dotforward.js';
import { deliverMailbox } from './mailbox.js';
import { bounce, type Attr, type Delivery } from './state.js';
import { deliverUnknown } from './unknown.js';

/** Deeper than this, expansion is taken to be a loop (Postfix's limit). */
export const MAX_LEVEL = 100;

/** LocalParts - the recipient's local part, and its user and extension (lower case). */
export interface LocalParts {
  local: string;
  user: string;
  extension: string;
}

/** localParts - split at recipient_delimiter (owner-x and x-request are never split). */
export function localParts(d: Delivery, address: string): LocalParts {
  const local = splitAddress(address).local.toLowerCase();
  const { user, extension } = splitExtension(local, d.settings.recipientDelimiter);
  return { local, user, extension };
}

/** deliverRecipient - deliver `a.address` and everything it expands to. */
export async function deliverRecipient(d: Delivery, a: Attr): Promise<void> {
  if (d.loop.has(a.address.toLowerCase())) {
    bounce(d, a, '5.4.6', `mail forwarding loop for ${a.address}`);
    return;
  }
  if (a.level > MAX_LEVEL) {
    d.log.warn(`possible alias database loop for ${a.address}`);
    bounce(d, a, '5.4.6', `possible alias database loop for ${a.address}`);
    return;
  }
  const parts = localParts(d, a.address);
  const here: Attr = { ...a, expType: undefined, privs: undefined };
  if (await deliverAlias(d, here, parts)) return;
  if (await deliverDotForward(d, here, parts)) return;
  if (await deliverMailbox(d, here, parts)) return;
  await deliverUnknown(d, here, parts);
}
