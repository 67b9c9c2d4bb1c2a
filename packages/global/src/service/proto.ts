/*
 * service/proto - the master <-> child contract (Postfix's master_proto.h): which file
 * descriptors a child inherits and the status messages it reports on Node's IPC channel.
 *
 *   fd 3 .. 3+N-1   the service's listening sockets (N = `-s N`, default 1), never accepted on by master
 *   IPC channel     child -> master: ready, status {active, served, saturated}, stopping
 *
 * master starts another process of a service (up to maxproc) when every running one
 * reports `saturated`; see docs/master.md for what saturated means per server shape.
 */
import { bool, defineCodec, int, literal, object, union, type Check } from '../ipc/codec.js';

/** The first inherited listening socket. */
export const LISTEN_FD = 3;

/** The child listens and can take clients. */
export interface ReadyReport {
  t: 'ready';
}

/** Load report: clients now, clients since start, and whether another process would help. */
export interface StatusReport {
  t: 'status';
  active: number;
  served: number;
  saturated: boolean;
}

/** The child no longer accepts (idle, max_use, SIGTERM, master gone) and will exit soon. */
export interface StoppingReport {
  t: 'stopping';
  reason: 'idle' | 'use' | 'signal' | 'master';
}

export type ChildReport = ReadyReport | StatusReport | StoppingReport;

const check: Check<ChildReport> = union<ChildReport>('t', {
  ready: object({ t: literal('ready') }),
  status: object({ t: literal('status'), active: int, served: int, saturated: bool }),
  stopping: object({ t: literal('stopping'), reason: literal('idle', 'use', 'signal', 'master') }),
});

/** The codec master uses to validate what a child reports. */
export const childReportCodec = defineCodec<ChildReport>('master-status', check);
