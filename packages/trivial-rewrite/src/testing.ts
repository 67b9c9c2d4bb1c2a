/*
 * testing - helpers for trivial-rewrite's unit tests: an engine from main.cf-style
 * overrides (no main.cf is read), a log that keeps its warnings, and a table-driven
 * check of resolve answers.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type ResolveReply } from '@mailroom/global';
import { createEngine, type RewriteEngine } from './engine.js';
import { readSettings, type RewriteSettings } from './settings.js';

/** The identity every test starts from (ADDRESS_CLASS_README's example.com). */
export const BASE: Readonly<Record<string, string>> = {
  myhostname: 'mail.example.com',
  mydomain: 'example.com',
  myorigin: '$mydomain',
  mydestination: '$myhostname, localhost.$mydomain, localhost, $mydomain',
  inet_interfaces: 'loopback-only',
  inet_protocols: 'all',
};

/** settingsFor - RewriteSettings from BASE plus `over` (a directory without main.cf). */
export function settingsFor(over: Record<string, string> = {}): RewriteSettings {
  const configDir = path.join(os.tmpdir(), 'mailroom-no-such-config');
  return readSettings(loadConfig({ configDir, overrides: { ...BASE, ...over } }));
}

export interface TestLog {
  warnings: string[];
  infos: string[];
  warn(m: string): void;
  info(m: string): void;
  debug(m: string): void;
}

export function testLog(): TestLog {
  const log: TestLog = {
    warnings: [],
    infos: [],
    warn: (m) => log.warnings.push(m),
    info: (m) => log.infos.push(m),
    debug: () => {},
  };
  return log;
}

/** engineFor - an engine over settingsFor(over), logging into `log`. */
export function engineFor(over: Record<string, string> = {}, log: TestLog = testLog()): Promise<RewriteEngine> {
  return createEngine(settingsFor(over), { log });
}

/** One row of a resolve table: address (and sender), then the fields expected. */
export type ResolveCase = [address: string, want: Partial<Omit<ResolveReply, 'op'>>, sender?: string];

/** checkResolve - every row's answer has the expected fields; flags default to 0. */
export async function checkResolve(engine: RewriteEngine, rows: readonly ResolveCase[], label = ''): Promise<void> {
  for (const [address, want, sender] of rows) {
    const got = await engine.resolve(sender ?? '', address);
    const picked = Object.fromEntries(Object.keys({ flags: 0, ...want }).map((k) => [k, got[k as keyof ResolveReply]]));
    assert.deepEqual(picked, { flags: 0, ...want }, `${label} resolve <${address}>${sender !== undefined ? ` from <${sender}>` : ''}`);
  }
}
