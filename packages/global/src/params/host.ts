/*
 * params/host - defaults Postfix computes from the machine it runs on:
 * myhostname, mydomain and mynetworks (from mynetworks_style).
 */
import os from 'node:os';

/** defaultHostname - the machine's name, made fully qualified as Postfix wants it. */
export function defaultHostname(): string {
  const name = os.hostname().toLowerCase();
  return name.includes('.') ? name : `${name}.localdomain`;
}

/** defaultDomain - myhostname without its first label, or `localdomain`. */
export function defaultDomain(hostname: string): string {
  const dot = hostname.indexOf('.');
  return dot > 0 && hostname.indexOf('.', dot + 1) > 0 ? hostname.slice(dot + 1) : 'localdomain';
}

function ipv4Network(addr: string, mask: string): string {
  const a = addr.split('.').map(Number);
  const m = mask.split('.').map(Number);
  const bits = m.reduce((n, octet) => n + (octet.toString(2).match(/1/g)?.length ?? 0), 0);
  const net = a.map((o, i) => o & (m[i] ?? 0)).join('.');
  return `${net}/${bits}`;
}

/** defaultNetworks - mynetworks for a mynetworks_style of host, subnet or class. */
export function defaultNetworks(style: string): string {
  const out = new Set<string>(['127.0.0.0/8', '[::ffff:127.0.0.0]/104', '[::1]/128']);
  for (const list of Object.values(os.networkInterfaces())) {
    for (const ifc of list ?? []) {
      if (ifc.internal) continue;
      if (ifc.family === 'IPv4') {
        if (style === 'host') out.add(`${ifc.address}/32`);
        else if (style === 'class') out.add(ipv4Network(ifc.address, classMask(ifc.address)));
        else out.add(ipv4Network(ifc.address, ifc.netmask));
      } else if (style === 'host') {
        out.add(`[${ifc.address.split('%')[0]}]/128`);
      } else if (ifc.cidr) {
        out.add(`[${ifc.cidr.split('/')[0]}]/${ifc.cidr.split('/')[1]}`);
      }
    }
  }
  return [...out].join(' ');
}

function classMask(addr: string): string {
  const first = Number(addr.split('.')[0]);
  if (first < 128) return '255.0.0.0';
  if (first < 192) return '255.255.0.0';
  return '255.255.255.0';
}
