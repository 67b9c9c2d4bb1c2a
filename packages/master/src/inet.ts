/*
 * inet - where an `inet` service of master.cf listens. The service name is `[host:]port`
 * (host may be `[v6addr]`, an address or a name; port a number or a name from
 * /etc/services); without a host, every address of inet_interfaces. Reads:
 * inet_interfaces (all, loopback-only, or addresses/names), inet_protocols (all, ipv4, ipv6).
 */
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';

export interface InetAddress {
  host: string;
  family: 4 | 6;
  /** The IPv6 wildcard bound for IPv6 only (IPv4 is bound separately or not wanted). */
  ipv6Only?: boolean;
}

/** Well-known ports when /etc/services does not say. */
const KNOWN_PORTS: Record<string, number> = { smtp: 25, lmtp: 24, submission: 587, smtps: 465, submissions: 465, qmtp: 209 };

/** servicePort - a port number or a TCP service name; undefined when unknown. */
export function servicePort(text: string, servicesFile = '/etc/services'): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : undefined;
  }
  try {
    for (const line of fs.readFileSync(servicesFile, 'utf8').split('\n')) {
      const words = line.replace(/#.*/, '').trim().split(/\s+/);
      const [name, portProto, ...aliases] = words;
      if (!portProto?.endsWith('/tcp')) continue;
      if (name === text || aliases.includes(text)) return Number(portProto.slice(0, -4));
    }
  } catch {
    // no services file: the built-in table below
  }
  return KNOWN_PORTS[text];
}

/** splitInetService - `[host:]port` into its parts (host '' when absent). */
export function splitInetService(name: string): { host: string; port: string } {
  const v6 = /^\[([^\]]+)\]:(.+)$/.exec(name);
  if (v6) return { host: v6[1] as string, port: v6[2] as string };
  const colon = name.lastIndexOf(':');
  if (colon < 0) return { host: '', port: name };
  return { host: name.slice(0, colon), port: name.slice(colon + 1) };
}

/** protocols - which of IPv4/IPv6 inet_protocols enables (IPv6 only where the host has it). */
export function protocols(value: string[]): { v4: boolean; v6: boolean } {
  const words = value.map((w) => w.toLowerCase());
  const all = words.includes('all');
  return { v4: all || words.includes('ipv4'), v6: (all && hostHasIpv6()) || words.includes('ipv6') };
}

function hostHasIpv6(): boolean {
  return Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.family === 'IPv6'));
}

async function resolveHost(host: string, p: { v4: boolean; v6: boolean }): Promise<InetAddress[]> {
  const family = net.isIP(host);
  if (family === 4 || family === 6) return [{ host, family }];
  const found = await dns.lookup(host, { all: true });
  return found
    .filter((a) => (a.family === 4 ? p.v4 : p.v6))
    .map((a) => ({ host: a.address, family: a.family as 4 | 6 }));
}

/** listenAddresses - the addresses to bind for an inet service (without the port). */
export async function listenAddresses(host: string, interfaces: string[], protos: string[]): Promise<InetAddress[]> {
  const p = protocols(protos);
  if (host && host !== '*') return resolveHost(host, p);
  const words = interfaces.map((w) => w.toLowerCase());
  if (words.length === 0 || words.includes('all')) {
    // One dual-stack IPv6 wildcard covers IPv4 too; a second IPv4 bind would clash with it.
    if (p.v6 && p.v4) return [{ host: '::', family: 6 }];
    if (p.v6) return [{ host: '::', family: 6, ipv6Only: true }];
    return [{ host: '0.0.0.0', family: 4 }];
  }
  const out: InetAddress[] = [];
  for (const w of interfaces) {
    if (w.toLowerCase() === 'loopback-only') {
      if (p.v4) out.push({ host: '127.0.0.1', family: 4 });
      if (p.v6) out.push({ host: '::1', family: 6 });
    } else {
      out.push(...(await resolveHost(w.replace(/^\[(.*)\]$/, '$1'), p)));
    }
  }
  return out.filter((a, i) => out.findIndex((b) => b.host === a.host) === i);
}
