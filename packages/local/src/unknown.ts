/*
 * unknown - a recipient with no alias and no passwd entry: hand it to fallback_transport,
 * send it to luser_relay (`@domain` keeps the local part; $user etc. are expanded), or
 * bounce it: `unknown user: "name"` (5.1.1).
 * Reads (through settings): fallback_transport, luser_relay, forward_expansion_filter.
 */
import { localAttributes, localExpand } from './expand.js';
import { passTo } from './pass.js';
import type { LocalParts } from './recipient.js';
import { bounce, type Attr, type Delivery } from './state.js';
import { deliverAddress } from './token.js';

/** deliverUnknown - the last step for a recipient nobody claimed. */
export async function deliverUnknown(d: Delivery, a: Attr, p: LocalParts): Promise<void> {
  const s = d.settings;
  if (s.fallbackTransport) return passTo(d, a, s.fallbackTransport);
  if (s.luserRelay) {
    const relay = localExpand(s, s.luserRelay, localAttributes(s, { recipient: a.address }), s.forwardFilter).trim();
    const target = relay.startsWith('@') ? `${p.local}${relay}` : relay;
    if (target && target.toLowerCase() !== a.address.toLowerCase()) return deliverAddress(d, { ...a, level: a.level + 1 }, target);
  }
  bounce(d, a, '5.1.1', `unknown user: "${p.user}"`);
}
