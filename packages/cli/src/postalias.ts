/*
 * postalias - Postfix alias database maintenance, compatible with postalias(1):
 *   postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [type:]file ...
 * Builds hash/lmdb alias databases from aliases(5) files (with the `@` entry that
 * tells sendmail-style readers the database is complete), and queries them.
 * Reads main.cf: default_database_type. See docs/postalias.md.
 */
import { runTableCommand } from './tablecmd.js';

process.exitCode = await runTableCommand({ prog: 'postalias', format: 'aliases', letters: 'Nfinoprsuvw' }, process.argv.slice(2));
