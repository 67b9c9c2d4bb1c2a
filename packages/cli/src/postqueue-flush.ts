/*
 * postqueue-flush - `postqueue -f`, `-s SITE` and `-i ID`: requests to the queue
 * manager over public/$queue_service_name (one-way triggers, ipc/trigger.ts):
 *   -f        FLUSH_TRIGGER (forget dead destinations, retry all deferred mail now,
 *             scan incoming), then wake pickup for the maildrop, as Postfix's
 *             mail_flush_deferred() + mail_flush_maildrop();
 *   -s SITE   `S<site>\n`: deliver the site's deferred mail now. Postfix sends this to
 *             its flush(8) daemon, which keeps per-site logs for fast_flush_domains;
 *             Mailroom's qmgr finds the site's messages in the deferred queue itself,
 *             so every site is eligible (docs/postqueue.md);
 *   -i ID     `Q<id>\n`: deliver that deferred message now (qmgr/flush-file.ts does
 *             what Postfix's flush_send_file does).
 * The site and queue ID are checked first, with Postfix's messages. There is no reply:
 * success means the request was handed over. Reads: queue_directory,
 * queue_service_name, pickup_service_name, trigger_timeout.
 */
import {
  fileFlushTrigger, FLUSH_TRIGGER, isQueueId, siteFlushTrigger, triggerService, TRIGGER_WAKEUP, validAddressLiteral, validHostname,
  type Config,
} from '@mailroom/global';
import { EX_UNAVAILABLE, EX_USAGE } from './submit-sysexits.js';
import { fatal } from './util.js';

const DOWN = 'Cannot flush mail queue - mail system is down';

/** quoted - Postfix's `"%.100s%s"` for a bad argument. */
function quoted(text: string): string {
  return `"${text.slice(0, 100)}${text.length > 100 ? '...' : ''}"`;
}



async function trigger(prog: string, config: Config, service: string, data: string): Promise<void> {
  const timeout = config.getTime('trigger_timeout') * 1000;
  await triggerService(config.get('queue_directory'), `public/${service}`, data, timeout).catch(() => fatal(prog, DOWN, EX_UNAVAILABLE));
}

/** flushQueue - postqueue -f. */
export async function flushQueue(prog: string, config: Config): Promise<void> {
  await trigger(prog, config, config.get('queue_service_name'), FLUSH_TRIGGER);
  await trigger(prog, config, config.get('pickup_service_name'), TRIGGER_WAKEUP);
}

/** flushSite - postqueue -s SITE. */
export async function flushSite(prog: string, config: Config, site: string): Promise<void> {
  const ok = site.startsWith('[') ? validAddressLiteral(site) : validHostname(site);
  if (!ok) fatal(prog, `Cannot flush mail queue - invalid destination: ${quoted(site)}`, EX_USAGE);
  await trigger(prog, config, config.get('queue_service_name'), siteFlushTrigger(site));
}

/** flushFile - postqueue -i ID. */
export async function flushFile(prog: string, config: Config, id: string): Promise<void> {
  if (!isQueueId(id)) fatal(prog, `Cannot flush queue ID - invalid name: ${quoted(id)}`, EX_USAGE);
  await trigger(prog, config, config.get('queue_service_name'), fileFlushTrigger(id));
}

export { validAddressLiteral, validHostname };
