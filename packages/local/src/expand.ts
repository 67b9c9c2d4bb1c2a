/*
 * expand - local's `$name` expansion of forward_path, luser_relay and mailbox_command:
 * $user, $home, $shell, $recipient, $extension, $domain, $local, $recipient_delimiter
 * (and ${name?text}, ${name:text}), other names from main.cf. Characters of a value that
 * are not in the filter (forward_expansion_filter, command_expansion_filter) become
 * underscores, so that a recipient cannot smuggle shell or path syntax in.
 */
import { expandValue, splitAddress, splitExtension } from '@mailroom/global';
import type { LocalSettings } from './settings.js';

export interface ExpandAttrs {
  /** The recipient address being delivered. */
  recipient: string;
  home?: string;
  shell?: string;
}

/** localAttributes - the names local expands for a recipient. */
export function localAttributes(s: LocalSettings, a: ExpandAttrs): Record<string, string> {
  const { local, domain } = splitAddress(a.recipient);
  const lc = local.toLowerCase();
  const { user, extension } = splitExtension(lc, s.recipientDelimiter);
  const out: Record<string, string> = { user, extension, domain, local: lc, recipient: a.recipient, recipient_delimiter: s.recipientDelimiter };
  if (a.home !== undefined) out.home = a.home;
  if (a.shell !== undefined) out.shell = a.shell;
  return out;
}

/** filterValue - characters outside `allowed` become `_`. */
export function filterValue(value: string, allowed: string): string {
  let out = '';
  for (const ch of value) out += allowed.includes(ch) ? ch : '_';
  return out;
}

/** localExpand - expand `raw` with the recipient's attributes (filtered) and main.cf names. */
export function localExpand(s: LocalSettings, raw: string, attrs: Record<string, string>, filter: string): string {
  return expandValue(raw, (name) => {
    const v = attrs[name];
    if (v !== undefined) return v === '' ? '' : filterValue(v, filter);
    return s.config.isSet(name) || s.config.raw(name) !== undefined ? s.config.get(name) : undefined;
  });
}
