/*
 * newaliases - rebuild the alias databases: postalias(1) on every entry of the
 * alias_database parameter (as Postfix's `sendmail -bi`).
 *   newaliases [-C config_dir] [-oA[type:]file] [-v]
 * Reads main.cf: alias_database, default_database_type. See docs/postalias.md.
 */
import { Command } from 'commander';
import { buildTable, splitList, TableError, type TableLog } from '@mailroom/global';
import { fatal, loadConfigOrDie, warn } from './util.js';

const PROG = 'newaliases';
const program = new Command(PROG)
  .helpOption('--help', 'show this help')
  .option('-C <config_dir>', 'configuration directory (a main.cf file name names its directory)')
  .option('-o <option>', 'sendmail option; -oA[type:]file names the alias database')
  .option('-v', 'verbose (accepted, no effect)')
  .configureOutput({ writeErr: () => undefined })
  .exitOverride((err) => (err.exitCode === 0 ? process.exit(0) : fatal(PROG, 'usage: newaliases [-C config_dir] [-oA[type:]file] [-v]')))
  .parse();
const opts = program.opts<{ C?: string; o?: string }>();
const configDir = opts.C?.replace(/\/main\.cf$/, '');
const config = loadConfigOrDie(PROG, configDir);
const dbType = config.get('default_database_type') || 'hash';
const list = opts.o?.startsWith('A') ? [opts.o.slice(1)] : splitList(config.get('alias_database'));
const log: TableLog = { warn: (m) => warn(PROG, m) };
try {
  for (const entry of list) {
    const colon = entry.indexOf(':');
    const [type, name] = colon > 0 ? [entry.slice(0, colon), entry.slice(colon + 1)] : [dbType, entry];
    await buildTable(type, name, { format: 'aliases', log });
  }
} catch (err) {
  if (err instanceof TableError) fatal(PROG, err.message);
  throw err;
}
