/*
 * nexthop - the destination syntax of smtp(8) and lmtp(8), parsed into destinations:
 *   smtp:  domain, domain:port (MX lookup), [host], [host]:port, [addr], [addr]:port
 *          (no MX lookup);
 *   lmtp:  unix:/path, inet:host, inet:host:port, inet:[addr]:port, and the same without
 *          `inet:`; LMTP never looks up MX records.
 * A list separated by commas or white space is tried in order (Postfix 3.5). Ports may
 * be numbers or service names. Pure; used by deliver.ts.
 */
import net from 'node:net';
import { servicePort } from './settings.js';

export type Destination =
  | { kind: 'unix'; path: string; text: string }
  | {
      kind: 'inet';
      /** The destination as written (`[mx.example.net]:587`), the TLS policy and SASL password lookup key. */
      text: string;
      /** Domain or host name (lower case, no trailing dot), or an IP address. */
      host: string;
      port: number;
      /** Look up MX records (an SMTP domain that was not in brackets). */
      mx: boolean;
    };

/** parseDestination - one destination; a string is the error. */
export function parseDestination(text: string, lmtp: boolean, defaultPort: number): Destination | string {
  let t = text.trim();
  if (!t) return 'empty destination';
  if (/^unix:/i.test(t)) {
    const p = t.slice(5);
    return p ? { kind: 'unix', path: p, text: p } : `bad destination syntax: ${text}`;
  }
  if (/^inet:/i.test(t)) t = t.slice(5);
  let host: string;
  let portText = '';
  let bracketed = false;
  const br = /^\[([^\]]+)\](?::([^:]+))?$/.exec(t);
  if (br) {
    bracketed = true;
    host = (br[1] as string).replace(/^ipv6:/i, '');
    portText = br[2] ?? '';
  } else if (net.isIPv6(t)) {
    host = t; // a bare IPv6 address cannot carry a port
  } else {
    const i = t.lastIndexOf(':');
    host = i >= 0 ? t.slice(0, i) : t;
    portText = i >= 0 ? t.slice(i + 1) : '';
    if (i >= 0 && !portText) return `bad destination syntax: ${text}`;
  }
  host = host.replace(/\.$/, '').toLowerCase();
  if (!host || /[\s[\]/]/.test(host)) return `bad destination syntax: ${text}`;
  const port = portText ? servicePort(portText, 0) : defaultPort;
  if (port === 0) return `bad port in destination: ${text}`;
  return { kind: 'inet', text: t, host, port, mx: !lmtp && !bracketed && !net.isIP(host) };
}

/** parseNexthop - a destination list; a string is the first error. */
export function parseNexthop(text: string, lmtp: boolean, defaultPort: number): Destination[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return 'empty destination';
  const out: Destination[] = [];
  for (const part of parts) {
    const d = parseDestination(part, lmtp, defaultPort);
    if (typeof d === 'string') return d;
    out.push(d);
  }
  return out;
}

