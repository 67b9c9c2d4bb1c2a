/*
 * sockets - create the listening sockets of master.cf services: `inet` on host:port for
 * every listen address, `unix` as $queue_directory/private/NAME (private = y or -) or
 * public/NAME, mode 0666 and owned by mail_owner when master runs as root (the directory
 * modes protect private sockets, as in Postfix). Each socket has an identity key so a
 * reload keeps an unchanged socket open. Reads: inet_interfaces, inet_protocols.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config, MasterEntry, TriggerTarget, UserEntry } from '@mailroom/global';
import { listenAddresses, servicePort, splitInetService, type InetAddress } from './inet.js';
import { BindError, bindTcp, bindUnix, type BoundSocket } from './listen-handle.js';

/** The sockets of one service and how master reaches it for wakeups. */
export interface ServiceSockets {
  /** Identity: equal keys mean the same sockets (reused across a reload). */
  key: string;
  socks: BoundSocket[];
  /** Where wakeup triggers go. */
  target: TriggerTarget;
  close(): void;
}

/** unixSocketPath - $queue_directory/private|public/NAME for a unix service. */
export function unixSocketPath(queueDir: string, e: MasterEntry): string {
  return path.join(queueDir, e.private === false ? 'public' : 'private', e.service);
}

/** socketPlan - the identity of a service's sockets, and how to open them. */
export async function socketPlan(
  e: MasterEntry,
  config: Config,
): Promise<{ key: string; open: () => ServiceSockets }> {
  if (e.type === 'unix') {
    const file = unixSocketPath(config.get('queue_directory'), e);
    const key = `unix:${file}`;
    return { key, open: () => ({ ...openUnix(file), key }) };
  }
  if (e.type !== 'inet') throw new Error(`service type ${e.type} is not supported`);
  const { host, port: portText } = splitInetService(e.service);
  const port = servicePort(portText);
  if (port === undefined) throw new Error(`unknown service port: ${portText}`);
  const addrs = await listenAddresses(host, config.getList('inet_interfaces'), config.getList('inet_protocols'));
  if (addrs.length === 0) throw new Error(`no listen address for ${e.service}`);
  const key = `inet:${addrs.map((a) => `${a.host}/${a.ipv6Only ? '6only' : a.family}`).join(',')}:${port}`;
  return { key, open: () => ({ ...openInet(addrs, port), key }) };
}

function bindWithFallback(a: InetAddress, port: number): BoundSocket {
  try {
    return bindTcp(a.host, port, a.family, a.ipv6Only);
  } catch (err) {
    // A host without IPv6 support: the dual-stack wildcard becomes the IPv4 wildcard.
    const code = err instanceof BindError ? err.code : '';
    if (a.host === '::' && !a.ipv6Only && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) {
      return bindTcp('0.0.0.0', port, 4);
    }
    throw err;
  }
}

function openInet(addrs: InetAddress[], port: number): ServiceSockets {
  const socks: BoundSocket[] = [];
  try {
    for (const a of addrs) socks.push(bindWithFallback(a, socks[0]?.port || port));
  } catch (err) {
    for (const s of socks) s.close();
    throw err;
  }
  const first = addrs[0] as InetAddress;
  const host = first.host === '::' ? '::1' : first.host === '0.0.0.0' ? '127.0.0.1' : first.host;
  return {
    key: '',
    socks,
    target: { host, port: (socks[0] as BoundSocket).port },
    close: () => socks.forEach((s) => s.close()),
  };
}

let owner: UserEntry | undefined;

/** setSocketOwner - who owns unix sockets created from now on (mail_owner under root). */
export function setSocketOwner(user: UserEntry | undefined): void {
  owner = user;
}

function openUnix(file: string): ServiceSockets {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    if (fs.lstatSync(file).isSocket()) fs.unlinkSync(file); // left by an earlier master
  } catch {
    // not there
  }
  const sock = bindUnix(file);
  try {
    fs.chmodSync(file, 0o666);
    if (owner) fs.chownSync(file, owner.uid, owner.gid);
  } catch (err) {
    sock.close();
    throw err;
  }
  return {
    key: '',
    socks: [sock],
    target: file,
    close: () => {
      sock.close();
      fs.rmSync(file, { force: true });
    },
  };
}
