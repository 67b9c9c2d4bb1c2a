/*
 * service/status-file - master's process table, written to
 * `$queue_directory/$process_id_directory/master.status` (JSON) whenever it changes,
 * read by `postfix status`. A file rather than a query so status works without any
 * socket of master's and costs master nothing when nobody asks.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface ProcessStatus {
  pid: number;
  /** starting: not listening yet; stopping: finishing work, accepts no more clients. */
  state: 'starting' | 'idle' | 'busy' | 'saturated' | 'stopping';
  active: number;
  served: number;
  /** Start time, ms since the epoch. */
  started: number;
}

export interface ServiceStatus {
  service: string;
  type: string;
  command: string;
  /** Process limit in force (0: no limit). */
  maxproc: number;
  /** Set while the service is throttled after a failed start: restarts resume then (ms). */
  throttledUntil?: number;
  /** Why the service cannot run (missing program, bad socket...). */
  error?: string;
  processes: ProcessStatus[];
}

export interface MasterStatus {
  pid: number;
  configDir: string;
  /** ms since the epoch. */
  started: number;
  updated: number;
  services: ServiceStatus[];
}

/** statusFilePath - where master writes its table. */
export function statusFilePath(pidDir: string): string {
  return path.join(pidDir, 'master.status');
}

/** writeStatusFile - replace the table atomically. */
export function writeStatusFile(pidDir: string, status: MasterStatus): void {
  const file = statusFilePath(pidDir);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(status)}\n`, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** readStatusFile - the table, or undefined when missing or unreadable. */
export function readStatusFile(pidDir: string): MasterStatus | undefined {
  try {
    return JSON.parse(fs.readFileSync(statusFilePath(pidDir), 'utf8')) as MasterStatus;
  } catch {
    return undefined;
  }
}
