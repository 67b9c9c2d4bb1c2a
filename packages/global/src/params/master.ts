/*
 * params/master - parameters of the supervisor (master), the service skeleton and the
 * IPC layer. Read by packages/master, the skeleton in service/, ipc/ and `postfix`.
 * Names, defaults and units are Postfix's; daemon_directory points at this installation.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { param, type ParamSpec } from './types.js';

/** The installation's packages/ folder (this file is packages/global/dist/params/master.js). */
function packagesDir(): string {
  return path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
}

export const masterParams: readonly ParamSpec[] = [
  param('daemon_directory', 'string', () => packagesDir(),
    'Directory with one folder per daemon program; command X of master.cf runs X/dist/main.js.'),
  param('process_id_directory', 'string', 'pid', 'Directory, relative to queue_directory, with the master.pid lock file.'),
  param('default_process_limit', 'int', '100', 'Default maximal number of processes of a master.cf service (maxproc "-").', { min: 1 }),
  param('max_idle', 'time', '100s', 'Time a daemon process waits for its next client before it exits.', { unit: 's', min: 1 }),
  param('max_use', 'int', '100', 'Number of clients a daemon process serves before it exits (0: no limit).', { min: 0 }),
  param('service_throttle_time', 'time', '60s', 'Time master waits before it restarts a service whose process failed at startup.', { unit: 's', min: 1 }),
  param('daemon_timeout', 'time', '18000s', 'Time a daemon may spend on one request before it is killed.', { unit: 's', min: 1 }),
  param('ipc_timeout', 'time', '3600s', 'Time limit for one request or reply over an internal connection.', { unit: 's', min: 1 }),
  param('ipc_idle', 'time', '5s', 'Time after which a client closes an idle internal connection.', { unit: 's', min: 1 }),
  param('ipc_ttl', 'time', '1000s', 'Time after which a client closes an internal connection, idle or not.', { unit: 's', min: 1 }),
  param('import_environment', 'list',
    'MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME',
    'Environment variables that master passes to its child processes (name or name=value).'),
  param('export_environment', 'list', 'TZ MAIL_CONFIG LANG', 'Environment variables passed to external commands.'),
  param('queue_service_name', 'string', 'qmgr', 'Name of the queue manager service (its socket is public/$queue_service_name).'),
];
