/*
 * queue/spool - the layout of `$queue_directory`: queue names, hashed subdirectories,
 * and the one function that maps (queue, queue ID) to a path.
 *
 * Queues listed in `hash_queue_names` get `hash_queue_depth` levels of one-character
 * subdirectories (deferred/A/ID with the defaults), as Postfix. Every daemon and
 * command that touches the spool builds a Spool (spoolFromConfig) and asks it for
 * paths. Parameters read: queue_directory, hash_queue_names, hash_queue_depth.
 */
import path from 'node:path';
import type { Config } from '../config/types.js';
import { isQueueId, queueIdHashKey } from './id.js';

/** Directories holding files named by queue ID (or, for flush, by destination). */
export const QUEUE_NAMES = [
  'maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt',
  'bounce', 'defer', 'trace', 'flush', 'saved',
] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** isQueueName - true for the names in QUEUE_NAMES. */
export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

export interface SpoolOptions {
  /** Postfix's hash_queue_names (default: deferred, defer). */
  hashQueueNames?: readonly string[];
  /** Postfix's hash_queue_depth (default 1). */
  hashQueueDepth?: number;
}

export class Spool {
  readonly queueDir: string;
  readonly hashQueueNames: ReadonlySet<string>;
  readonly hashQueueDepth: number;

  constructor(queueDir: string, opts: SpoolOptions = {}) {
    this.queueDir = path.resolve(queueDir);
    this.hashQueueNames = new Set((opts.hashQueueNames ?? ['deferred', 'defer']).map((n) => n.toLowerCase()));
    this.hashQueueDepth = Math.max(1, Math.floor(opts.hashQueueDepth ?? 1));
  }

  /** hashed - does this queue use hashed subdirectories? */
  hashed(queue: QueueName): boolean {
    return this.hashQueueNames.has(queue);
  }

  /** queuePath - the top directory of a queue. */
  queuePath(queue: QueueName): string {
    return path.join(this.queueDir, queue);
  }

  /** relativeDir - `deferred/A` style directory of a file, relative to queue_directory. */
  relativeDir(queue: QueueName, id: string): string {
    if (!isQueueId(id)) throw new Error(`bad mail queue ID: ${id}`);
    if (!this.hashed(queue)) return queue;
    const key = queueIdHashKey(id);
    const parts: string[] = [queue];
    for (let i = 0; i < this.hashQueueDepth; i++) parts.push(key[i] ?? '_');
    return parts.join('/');
  }

  /** relativePath - `deferred/A/ID`, as postcat and the logs show it. */
  relativePath(queue: QueueName, id: string): string {
    return `${this.relativeDir(queue, id)}/${id}`;
  }

  /** dir - absolute directory of a queue file. */
  dir(queue: QueueName, id: string): string {
    return path.join(this.queueDir, this.relativeDir(queue, id));
  }

  /** path - absolute path of a queue file: the one place paths are computed. */
  path(queue: QueueName, id: string): string {
    return path.join(this.queueDir, this.relativePath(queue, id));
  }

  /** hashDirs - every hashed subdirectory name of a queue ('' for an unhashed queue). */
  hashDirs(): string[] {
    let dirs = [''];
    for (let i = 0; i < this.hashQueueDepth; i++)
      dirs = dirs.flatMap((d) => [...'0123456789ABCDEF'].map((c) => (d ? `${d}/${c}` : c)));
    return dirs;
  }
}

/** spoolFromConfig - the Spool of a loaded configuration. */
export function spoolFromConfig(config: Config): Spool {
  return new Spool(config.get('queue_directory'), {
    hashQueueNames: config.getList('hash_queue_names'),
    hashQueueDepth: config.getInt('hash_queue_depth'),
  });
}
