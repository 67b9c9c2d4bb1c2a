/*
 * dns/servers - which DNS servers to ask: the `dns_servers` parameter when set (tests
 * point it at a server on loopback), else the `nameserver` lines of /etc/resolv.conf
 * (glibc's rule: none listed means 127.0.0.1). dns2's client would otherwise ask public
 * resolvers, so every resolver in Mailroom gets its servers from here.
 * Used by DnsResolver's users (smtp, smtpd). Reads: dns_servers.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { Config } from '../config/types.js';

/** One DNS server endpoint. */
export interface DnsServer {
  host: string;
  port: number;
}

/** What /etc/resolv.conf says: servers, per-try timeout and attempts. */
export interface ResolvConf {
  servers: DnsServer[];
  timeoutMs: number;
  attempts: number;
}

/** parseDnsServer - `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`; undefined when malformed. */
export function parseDnsServer(text: string): DnsServer | undefined {
  const t = text.trim();
  let host = t;
  let port = 53;
  const br = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (br) {
    host = br[1] as string;
    if (br[2]) port = Number(br[2]);
  } else if (net.isIPv4(t.split(':')[0] ?? '') && t.includes(':')) {
    const [h, p] = t.split(':');
    host = h as string;
    port = /^\d+$/.test(p ?? '') ? Number(p) : NaN;
  }
  if (!net.isIP(host) || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** parseResolvConf - nameserver lines and the timeout:/attempts: options of resolv.conf(5). */
export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { servers: [], timeoutMs: 5000, attempts: 2 };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) {
      const s = parseDnsServer(rest[0].replace(/%.*$/, '')); // drop an IPv6 zone index
      if (s) conf.servers.push(s);
    } else if (key === 'options') {
      for (const opt of rest) {
        const m = /^(timeout|attempts):(\d+)$/.exec(opt);
        if (m?.[1] === 'timeout') conf.timeoutMs = Math.max(1, Math.min(30, Number(m[2]))) * 1000;
        if (m?.[1] === 'attempts') conf.attempts = Math.max(1, Math.min(5, Number(m[2])));
      }
    }
  }
  if (conf.servers.length === 0) conf.servers.push({ host: '127.0.0.1', port: 53 });
  return conf;
}

/** systemResolvConf - /etc/resolv.conf parsed (a missing file means 127.0.0.1). */
export function systemResolvConf(file = '/etc/resolv.conf'): ResolvConf {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // no file: the resolver library's default
  }
  return parseResolvConf(text);
}

/**
 * dnsConfig - servers (and timing) for this configuration: `dns_servers` when set,
 * else /etc/resolv.conf. Throws naming the bad entry of a malformed dns_servers.
 */
export function dnsConfig(config: Config, resolvConf = '/etc/resolv.conf'): ResolvConf {
  const sys = systemResolvConf(resolvConf);
  const list = config.getList('dns_servers');
  if (list.length === 0) return sys;
  const servers = list.map((entry) => {
    const s = parseDnsServer(entry);
    if (!s) throw new Error(`dns_servers: bad server address: ${entry}`);
    return s;
  });
  return { ...sys, servers };
}
