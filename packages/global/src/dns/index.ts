/* dns - the DNS resolver (MX/A/AAAA/TXT/PTR over dns2), where its servers come from, and a test zone server. */
export * from './servers.js';
export * from './resolver.js';
export { DnsZoneServer, type Zone, type ZoneRecords } from './zone-server.js';
