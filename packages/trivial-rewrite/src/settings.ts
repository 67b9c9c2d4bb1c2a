/*
 * settings - trivial-rewrite's parameters, read once from the configuration snapshot into
 * one frozen object that the pure rewrite and resolve code takes (tests build it from
 * a Config with overrides). Reads: myhostname, mydomain, myorigin, mydestination,
 * inet_interfaces, inet_protocols, proxy_interfaces, recipient_delimiter,
 * parent_domain_matches_subdomains, config_directory, show_user_unknown_table_name and
 * every parameter of params/rewrite.ts except rewrite_service_name.
 */
import type { Config } from '@mailroom/global';

export interface RewriteSettings {
  readonly configDir: string;
  readonly myhostname: string;
  readonly mydomain: string;
  readonly myorigin: string;
  readonly remoteRewriteDomain: string;
  readonly appendAtMyorigin: boolean;
  readonly appendDotMydomain: boolean;
  readonly swapBangpath: boolean;
  readonly percentHack: boolean;
  readonly resolveDequoted: boolean;
  readonly resolveNullDomain: boolean;
  readonly resolveNumericDomain: boolean;
  readonly allowMinUser: boolean;
  readonly emptyAddressRecipient: string;
  readonly recipientDelimiter: string;
  readonly showUnknownTable: boolean;
  readonly helpfulWarnings: boolean;
  readonly mydestination: readonly string[];
  readonly inetInterfaces: readonly string[];
  readonly inetProtocols: readonly string[];
  readonly proxyInterfaces: readonly string[];
  readonly relayDomains: readonly string[];
  readonly virtualAliasDomains: readonly string[];
  readonly virtualMailboxDomains: readonly string[];
  /** parent_domain_matches_subdomains lists relay_domains / transport_maps. */
  readonly relayDomainsParent: boolean;
  readonly transportMapsParent: boolean;
  readonly localTransport: string;
  readonly virtualTransport: string;
  readonly relayTransport: string;
  readonly defaultTransport: string;
  readonly relayhost: string;
  readonly transportMaps: readonly string[];
  readonly senderRelayhostMaps: readonly string[];
  readonly nullRelayhostKey: string;
  readonly senderTransportMaps: readonly string[];
  readonly nullTransportKey: string;
  readonly relocatedMaps: readonly string[];
}

/** readSettings - the snapshot's values; throws ConfigError on a malformed boolean. */
export function readSettings(config: Config): RewriteSettings {
  const parent = new Set(config.getList('parent_domain_matches_subdomains'));
  return Object.freeze({
    configDir: config.configDir,
    myhostname: config.get('myhostname'),
    mydomain: config.get('mydomain'),
    myorigin: config.get('myorigin'),
    remoteRewriteDomain: config.get('remote_header_rewrite_domain'),
    appendAtMyorigin: config.getBool('append_at_myorigin'),
    appendDotMydomain: config.getBool('append_dot_mydomain'),
    swapBangpath: config.getBool('swap_bangpath'),
    percentHack: config.getBool('allow_percent_hack'),
    resolveDequoted: config.getBool('resolve_dequoted_address'),
    resolveNullDomain: config.getBool('resolve_null_domain'),
    resolveNumericDomain: config.getBool('resolve_numeric_domain'),
    allowMinUser: config.getBool('allow_min_user'),
    emptyAddressRecipient: config.get('empty_address_recipient') || 'MAILER-DAEMON',
    recipientDelimiter: config.get('recipient_delimiter'),
    showUnknownTable: config.getBool('show_user_unknown_table_name'),
    helpfulWarnings: config.getBool('helpful_warnings'),
    mydestination: config.getList('mydestination'),
    inetInterfaces: config.getList('inet_interfaces'),
    inetProtocols: config.getList('inet_protocols'),
    proxyInterfaces: config.getList('proxy_interfaces'),
    relayDomains: config.getList('relay_domains'),
    virtualAliasDomains: config.getList('virtual_alias_domains'),
    virtualMailboxDomains: config.getList('virtual_mailbox_domains'),
    relayDomainsParent: parent.has('relay_domains'),
    transportMapsParent: parent.has('transport_maps'),
    localTransport: config.get('local_transport'),
    virtualTransport: config.get('virtual_transport'),
    relayTransport: config.get('relay_transport'),
    defaultTransport: config.get('default_transport'),
    relayhost: config.get('relayhost').trim(),
    transportMaps: config.getList('transport_maps'),
    senderRelayhostMaps: config.getList('sender_dependent_relayhost_maps'),
    nullRelayhostKey: config.get('empty_address_relayhost_maps_lookup_key'),
    senderTransportMaps: config.getList('sender_dependent_default_transport_maps'),
    nullTransportKey: config.get('empty_address_default_transport_maps_lookup_key'),
    relocatedMaps: config.getList('relocated_maps'),
  });
}
