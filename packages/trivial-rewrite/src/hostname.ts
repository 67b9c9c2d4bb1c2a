/*
 * hostname - Postfix's valid_hostname() for recipient domains, with UTF-8 labels (as with
 * smtputf8_enable); a bare IP address is no domain (resolve_numeric_domain decides).
 * Used by the resolver; the rule itself is global's (address/hostname.ts).
 */
import { validHostname as valid } from '@mailroom/global';

/** validHostname - a syntactically valid recipient domain. */
export function validHostname(name: string): boolean {
  return valid(name, { utf8: true });
}
