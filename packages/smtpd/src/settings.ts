/*
 * settings - every main.cf parameter smtpd reads, taken once from the configuration
 * snapshot into one typed, frozen object (importing a module reads nothing).
 * Reads: smtpd_* (see params/smtpd.ts), message_size_limit, queue_minfree, queue_directory,
 * disable_vrfy_command,
 * myhostname, mynetworks, recipient_delimiter, parent_domain_matches_subdomains,
 * local_recipient_maps, relay_recipient_maps, virtual_alias_maps, virtual_mailbox_maps,
 * the *_reject_code parameters, line_length_limit, the TLS parameters (tls.ts), the SASL
 * parameters (sasl/index.ts), smtpd_sender_login_maps, ipc_timeout.
 */
import type { Config } from '@mailroom/global';
import { parseBareNewlineMode, type BareNewlineMode } from './data.js';
import type { RestrictionSettings } from './restrictions/context.js';
import type { SmtpdLists } from './restrictions/checks.js';
import { parseRestrictions } from './restrictions/list.js';
import type { RecipientSettings } from './recipients.js';
import type { SaslSettings } from './sasl/index.js';
import { readTlsSettings, type TlsSettings } from './tls.js';

export interface SmtpdSettings {
  myhostname: string;
  banner: string;
  messageSizeLimit: number;
  /** queue_minfree, bytes, and queue_directory (queue-space.ts). */
  queueMinfree: number;
  queueDirectory: string;
  recipientLimit: number;
  recipientOvershootLimit: number;
  timeoutMs: number;
  /** smtpd_per_record_deadline: smtpd_timeout bounds each whole line, not each read. */
  perRecordDeadline: boolean;
  softErrorLimit: number;
  hardErrorLimit: number;
  errorSleepMs: number;
  connectionCountLimit: number;
  connectionRateLimit: number;
  rateUnitMs: number;
  eventLimitExceptions: string[];
  peernameLookup: boolean;
  bareNewline: BareNewlineMode;
  bareNewlineExclusions: string[];
  bareNewlineRejectCode: number;
  /** smtpd_forbidden_commands (names and type:table entries). */
  forbiddenCommands: string[];
  forbidUnauthPipelining: boolean;
  vrfyDisabled: boolean;
  lineLimit: number;
  mynetworks: string[];
  parentMatchesMynetworks: boolean;
  dnsServers: string[];
  lists: SmtpdLists;
  restriction: RestrictionSettings;
  recipients: RecipientSettings;
  maps: { local: string[]; relay: string[]; virtualAlias: string[]; virtualMailbox: string[]; senderLogin: string[] };
  tls: TlsSettings;
  sasl: SaslSettings;
  /** Problems to log at start (the daemon still runs; affected lists answer 451). */
  warnings: string[];
}

/** readSettings - smtpd's parameters; throws ConfigError for malformed values. */
export function readSettings(config: Config): SmtpdSettings {
  const warnings: string[] = [];
  const list = (name: string) => {
    const parsed = parseRestrictions(config.getList(name));
    for (const e of parsed.errors) warnings.push(`${name}: ${e}`);
    return parsed;
  };
  const parentFeatures = config.getList('parent_domain_matches_subdomains');
  let bareNewline = parseBareNewlineMode(config.get('smtpd_forbid_bare_newline'));
  if (!bareNewline) {
    warnings.push(`unknown smtpd_forbid_bare_newline value "${config.get('smtpd_forbid_bare_newline')}": using "reject"`);
    bareNewline = 'reject';
  }
  const settings: SmtpdSettings = {
    myhostname: config.get('myhostname'),
    banner: config.get('smtpd_banner'),
    messageSizeLimit: config.getInt('message_size_limit'),
    queueMinfree: config.getInt('queue_minfree'),
    queueDirectory: config.get('queue_directory'),
    recipientLimit: config.getInt('smtpd_recipient_limit'),
    recipientOvershootLimit: config.getInt('smtpd_recipient_overshoot_limit'),
    timeoutMs: config.getTime('smtpd_timeout') * 1000,
    perRecordDeadline: config.getBool('smtpd_per_record_deadline'),
    softErrorLimit: config.getInt('smtpd_soft_error_limit'),
    hardErrorLimit: config.getInt('smtpd_hard_error_limit'),
    errorSleepMs: config.getTime('smtpd_error_sleep_time') * 1000,
    connectionCountLimit: config.getInt('smtpd_client_connection_count_limit'),
    connectionRateLimit: config.getInt('smtpd_client_connection_rate_limit'),
    rateUnitMs: config.getTime('anvil_rate_time_unit') * 1000,
    eventLimitExceptions: config.getList('smtpd_client_event_limit_exceptions'),
    peernameLookup: config.getBool('smtpd_peername_lookup'),
    bareNewline,
    bareNewlineExclusions: config.getList('smtpd_forbid_bare_newline_exclusions'),
    bareNewlineRejectCode: config.getInt('smtpd_forbid_bare_newline_reject_code'),
    forbiddenCommands: config.getList('smtpd_forbidden_commands'),
    forbidUnauthPipelining: config.getBool('smtpd_forbid_unauth_pipelining'),
    vrfyDisabled: config.getBool('disable_vrfy_command'),
    lineLimit: config.getInt('line_length_limit'),
    mynetworks: config.getList('mynetworks'),
    parentMatchesMynetworks: parentFeatures.includes('mynetworks'),
    dnsServers: config.getList('dns_servers'),
    lists: {
      client: list('smtpd_client_restrictions'),
      helo: list('smtpd_helo_restrictions'),
      sender: list('smtpd_sender_restrictions'),
      relay: list('smtpd_relay_restrictions'),
      recipient: list('smtpd_recipient_restrictions'),
      data: list('smtpd_data_restrictions'),
      endOfData: list('smtpd_end_of_data_restrictions'),
      delayReject: config.getBool('smtpd_delay_reject'),
      rejectUnlistedSender: config.getBool('smtpd_reject_unlisted_sender'),
      rejectUnlistedRecipient: config.getBool('smtpd_reject_unlisted_recipient'),
    },
    restriction: {
      accessMapRejectCode: config.getInt('access_map_reject_code'),
      accessMapDeferCode: config.getInt('access_map_defer_code'),
      rejectCode: config.getInt('reject_code'),
      deferCode: config.getInt('defer_code'),
      relayDomainsRejectCode: config.getInt('relay_domains_reject_code'),
      unknownAddressRejectCode: config.getInt('unknown_address_reject_code'),
      unknownHostnameRejectCode: config.getInt('unknown_hostname_reject_code'),
      unknownClientRejectCode: config.getInt('unknown_client_reject_code'),
      mapsRblRejectCode: config.getInt('maps_rbl_reject_code'),
      invalidHostnameRejectCode: config.getInt('invalid_hostname_reject_code'),
      nonFqdnRejectCode: config.getInt('non_fqdn_reject_code'),
      rejectTempfailAction: config.get('reject_tempfail_action'),
      unknownAddressTempfailAction: config.get('unknown_address_tempfail_action'),
      defaultRblReply: config.raw('default_rbl_reply') ?? '',
      nullAccessLookupKey: config.get('smtpd_null_access_lookup_key'),
      recipientDelimiter: config.get('recipient_delimiter'),
      accessParentMatches: parentFeatures.includes('smtpd_access_maps'),
    },
    recipients: {
      codes: {
        local: config.getInt('unknown_local_recipient_reject_code'),
        alias: config.getInt('unknown_virtual_alias_reject_code'),
        virtual: config.getInt('unknown_virtual_mailbox_reject_code'),
        relay: config.getInt('unknown_relay_recipient_reject_code'),
      },
      showTableName: config.getBool('show_user_unknown_table_name'),
      recipientDelimiter: config.get('recipient_delimiter'),
    },
    maps: {
      local: config.getList('local_recipient_maps'),
      relay: config.getList('relay_recipient_maps'),
      virtualAlias: config.getList('virtual_alias_maps'),
      virtualMailbox: config.getList('virtual_mailbox_maps'),
      senderLogin: config.getList('smtpd_sender_login_maps'),
    },
    tls: readTlsSettings(config, warnings),
    sasl: {
      enabled: config.getBool('smtpd_sasl_auth_enable'),
      type: config.get('smtpd_sasl_type').trim().toLowerCase(),
      path: config.get('smtpd_sasl_path'),
      service: config.get('smtpd_sasl_service'),
      securityOptions: config.getList('smtpd_sasl_security_options'),
      tlsSecurityOptions: config.getList('smtpd_sasl_tls_security_options'),
      brokenClients: config.getBool('broken_sasl_auth_clients'),
      timeoutMs: Math.min(config.getTime('ipc_timeout'), 30) * 1000, // an answer within 30 s, or a temporary failure
    },
    warnings,
  };
  return Object.freeze(settings);
}
