/*
 * postmap - Postfix lookup table management, compatible with postmap(1):
 *   postmap [-bfhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [type:]file ...
 * Builds hash (name.db) and lmdb (name.lmdb) tables from `key whitespace value`
 * source files, and queries, lists and deletes from any table type.
 * Reads main.cf: default_database_type. See docs/postmap.md.
 */
import { runTableCommand } from './tablecmd.js';

process.exitCode = await runTableCommand({ prog: 'postmap', format: 'postmap', letters: 'bfhimnNoprsuUvw' }, process.argv.slice(2));
