/*
 * settings - cleanup's parameters, read once per process into one frozen object, with
 * every lookup table opened (through the shared table cache) so that a broken table is
 * fatal at start, as in Postfix, not a surprise in the middle of a message.
 * Reads: myhostname, mail_name, myorigin, mydestination, recipient_delimiter,
 * message_size_limit, header_size_limit, hopcount_limit, duplicate_filter_limit,
 * enable_original_recipient, always_add_missing_headers, undisclosed_recipients_header,
 * message_drop_headers, header_from_format, empty_address_recipient,
 * remote_header_rewrite_domain, smtpd_sasl_authenticated_header, the *canonical*,
 * masquerade_*, virtual_alias_*, *bcc*, propagate_unmatched_extensions and *_checks
 * parameters (see docs/cleanup.md).
 */
import { normalizeDomain, tableCache, type Config, type LookupTable, type TableLog } from '@mailroom/global';

/** A table list parameter, opened, with its name for log lines. */
export interface NamedMaps {
  name: string;
  table: LookupTable;
}

export interface MappingSettings {
  canonical?: NamedMaps;
  senderCanonical?: NamedMaps;
  recipientCanonical?: NamedMaps;
  canonicalClasses: ReadonlySet<string>;
  senderCanonicalClasses: ReadonlySet<string>;
  recipientCanonicalClasses: ReadonlySet<string>;
  masqDomains: readonly string[];
  masqExceptions: ReadonlySet<string>;
  masqClasses: ReadonlySet<string>;
  virtual?: NamedMaps;
  expansionLimit: number;
  recursionLimit: number;
  addressLengthLimit: number;
  alwaysBcc: string;
  senderBcc?: NamedMaps;
  recipientBcc?: NamedMaps;
  propagateCanonical: boolean;
  propagateVirtual: boolean;
  recipientDelimiter: string;
  /** Domains whose bare `user` keys are tried in tables ($myorigin, $mydestination). */
  localDomain(domain: string): boolean;
}

export interface CheckSettings {
  header?: NamedMaps;
  mime?: NamedMaps;
  nested?: NamedMaps;
  body?: NamedMaps;
  bodySizeLimit: number;
}

export interface CleanupSettings {
  myhostname: string;
  mailName: string;
  messageSizeLimit: number;
  headerSizeLimit: number;
  hopcountLimit: number;
  duplicateFilterLimit: number;
  enableOrcpt: boolean;
  alwaysAddMissing: boolean;
  undisclosedHeader: string;
  dropHeaders: ReadonlySet<string>;
  headerFromObsolete: boolean;
  emptyAddressRecipient: string;
  remoteRewriteDomain: string;
  /** Show the SASL login name in Received: (smtpd_sasl_authenticated_header). */
  saslHeader: boolean;
  mapping: MappingSettings;
  checks: CheckSettings;
}

const set = (list: string[]): ReadonlySet<string> => new Set(list.map((x) => x.toLowerCase()));

/** readSettings - everything cleanup reads from the configuration; throws TableError. */
export function readSettings(config: Config, log: TableLog): CleanupSettings {
  const maps = (name: string): NamedMaps | undefined => {
    const list = config.getList(name);
    return list.length === 0 ? undefined : { name, table: tableCache.openMaps(list, { log }) };
  };
  const local = new Set(
    [config.get('myorigin'), ...config.getList('mydestination')].filter((d) => d && !d.includes(':') && !d.startsWith('/')).map(normalizeDomain),
  );
  const propagate = set(config.getList('propagate_unmatched_extensions'));
  const int = (name: string): number => config.getInt(name);
  return Object.freeze({
    myhostname: config.get('myhostname'),
    mailName: config.get('mail_name') || 'Mailroom',
    messageSizeLimit: config.getInt('message_size_limit'),
    headerSizeLimit: int('header_size_limit'),
    hopcountLimit: int('hopcount_limit'),
    duplicateFilterLimit: int('duplicate_filter_limit'),
    enableOrcpt: config.getBool('enable_original_recipient'),
    alwaysAddMissing: config.getBool('always_add_missing_headers'),
    undisclosedHeader: config.get('undisclosed_recipients_header').trim(),
    dropHeaders: set(config.getList('message_drop_headers')),
    headerFromObsolete: config.get('header_from_format').toLowerCase() === 'obsolete',
    emptyAddressRecipient: config.get('empty_address_recipient') || 'MAILER-DAEMON',
    remoteRewriteDomain: config.get('remote_header_rewrite_domain'),
    saslHeader: /^(yes|true|on|1)$/i.test(config.get('smtpd_sasl_authenticated_header')),
    mapping: {
      canonical: maps('canonical_maps'),
      senderCanonical: maps('sender_canonical_maps'),
      recipientCanonical: maps('recipient_canonical_maps'),
      canonicalClasses: set(config.getList('canonical_classes')),
      senderCanonicalClasses: set(config.getList('sender_canonical_classes')),
      recipientCanonicalClasses: set(config.getList('recipient_canonical_classes')),
      masqDomains: config.getList('masquerade_domains'),
      masqExceptions: set(config.getList('masquerade_exceptions')),
      masqClasses: set(config.getList('masquerade_classes')),
      virtual: maps('virtual_alias_maps'),
      expansionLimit: int('virtual_alias_expansion_limit'),
      recursionLimit: int('virtual_alias_recursion_limit'),
      addressLengthLimit: int('virtual_alias_address_length_limit'),
      alwaysBcc: config.get('always_bcc').trim(),
      senderBcc: maps('sender_bcc_maps'),
      recipientBcc: maps('recipient_bcc_maps'),
      propagateCanonical: propagate.has('canonical'),
      propagateVirtual: propagate.has('virtual'),
      recipientDelimiter: config.get('recipient_delimiter'),
      localDomain: (domain: string) => local.has(normalizeDomain(domain)),
    },
    checks: {
      header: maps('header_checks'),
      mime: maps('mime_header_checks'),
      nested: maps('nested_header_checks'),
      body: maps('body_checks'),
      bodySizeLimit: int('body_checks_size_limit'),
    },
  });
}
