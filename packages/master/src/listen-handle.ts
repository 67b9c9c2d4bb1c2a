/*
 * listen-handle - bound listening sockets that master owns but never accepts on.
 *
 * Node's public API has no such thing: a net.Server accepts. Node's cluster module uses
 * the internal `net._createServerHandle(address, port, addressType, fd, flags)` (or
 * `(path, -1, -1)` for a Unix socket): it binds without listening or polling. Master keeps
 * the handle, passes `handle.fd` to each child as an extra stdio entry, and the child's
 * `listen({ fd: 3 })` puts the socket in the listening state. This is the only file that
 * touches the internal API; listen-handle.test.ts fails loudly if Node changes it.
 */
import net from 'node:net';
import util from 'node:util';

/** The raw libuv handle (TCPWrap or PipeWrap) as far as we use it. */
interface RawHandle {
  readonly fd: number;
  close(): void;
  getsockname?(out: Record<string, unknown>): number;
}

type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
  fd?: number,
  flags?: number,
) => RawHandle | number;

const create = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;

/** libuv's UV_TCP_IPV6ONLY bind flag. */
const UV_TCP_IPV6ONLY = 1;

/** A bound socket: pass `fd` to children; `close` when the service goes away. */
export interface BoundSocket {
  readonly fd: number;
  /** `host:port` or the socket path, for log lines. */
  readonly name: string;
  /** The bound TCP port (useful when 0 was asked for). */
  readonly port: number;
  close(): void;
}

/** An error from bind(2), carrying errno's code (EADDRINUSE, EACCES...). */
export class BindError extends Error {
  constructor(
    readonly code: string,
    where: string,
  ) {
    super(`bind ${where}: ${code}`);
    this.name = 'BindError';
  }
}

function api(): CreateServerHandle {
  if (typeof create !== 'function') {
    throw new Error(`net._createServerHandle is missing in Node ${process.version}: master cannot own listening sockets`);
  }
  return create;
}

function wrap(h: RawHandle | number, label: (port: number) => string, port: number): BoundSocket {
  if (typeof h === 'number') throw new BindError(util.getSystemErrorName(h), label(port));
  if (typeof h.fd !== 'number' || h.fd < 0) {
    h.close();
    throw new Error(`bind ${label(port)}: Node returned a handle without a file descriptor`);
  }
  let bound = port;
  if (typeof h.getsockname === 'function') {
    // libuv defers EADDRINUSE from bind(2) to the next call on the handle, leaving the socket
    // unbound (a child's listen would then pick a random port): getsockname reports it.
    const out: Record<string, unknown> = {};
    const err = h.getsockname(out);
    if (err !== 0 || typeof out.port !== 'number' || out.port === 0) {
      h.close();
      throw new BindError(err !== 0 ? util.getSystemErrorName(err) : 'EADDRINUSE', label(port));
    }
    bound = out.port;
  }
  let open = true;
  return {
    fd: h.fd,
    name: label(bound),
    port: bound,
    close() {
      if (open) h.close();
      open = false;
    },
  };
}

/** bindTcp - a bound (not listening) TCP socket on host:port; family 6 may be IPv6-only. */
export function bindTcp(host: string, port: number, family: 4 | 6, ipv6Only = false): BoundSocket {
  const label = (p: number): string => (family === 6 ? `[${host}]:${p}` : `${host}:${p}`);
  return wrap(api()(host, port, family, undefined, ipv6Only ? UV_TCP_IPV6ONLY : 0), label, port);
}

/** bindUnix - a bound Unix stream socket at `path` (the path must not exist). */
export function bindUnix(path: string): BoundSocket {
  return wrap(api()(path, -1, -1), () => path, 0);
}
