/*
 * submit-address - parse RFC 822 address lists as sendmail finds them on its command
 * line (`-f`, recipients: `a@x, "B" <b@y>`, groups, comments) and in To:/Cc:/Bcc:
 * headers for `-t`. Each address comes back in internal form (quotes removed), as
 * Postfix's tok822 parse + internalize does. Pure; used by sendmail and its -bs mode.
 */
import { findAddresses } from '@mailroom/global';

/**
 * parseAddressList - every address in `text`, internal form; `<>` gives ''. The tok822
 * parser is global's (address/header-addr.ts), the one cleanup uses for headers.
 */
export function parseAddressList(text: string): string[] {
  return findAddresses(text).map((a) => a.address);
}

/** parseAddressArg - the first address of a command-line argument (sendmail -f); '' when none. */
export function parseAddressArg(text: string): { address: string; count: number } {
  const all = parseAddressList(text);
  return { address: all[0] ?? '', count: all.length };
}
