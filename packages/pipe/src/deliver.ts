/*
 * deliver - one delivery request as pipe(8)'s deliver_message: refuse what cannot be
 * done right (flags D and O with more than one recipient: 4.3.5; a message over size=:
 * 5.2.3; a Delivered-To: loop with flag D: 5.4.6), expand the argv, run the command once
 * for all the request's recipients (qmgr sends at most <transport>_destination_recipient_limit
 * of them) with the prepended From_/Return-Path/X-Original-To/Delivered-To lines and the
 * message converted per flags and eol=, and give every recipient the command's status:
 * exit 0 `delivered via SERVICE service`, else as mailbox/sysexits maps it.
 * Reads (through settings): <service>_time_limit / command_time_limit, recipient_delimiter,
 * export_environment, queue_directory.
 */
import {
  copyLines, deliveredToAddresses, envelopeHeaders, mboxFromLine, queueLogger, runCommand, withMessageContent,
  type DeliverRequest, type DeliverResult, type DeliveryOutcome, type Logger, type MessageContent, type ServiceContext,
} from '@mailroom/global';
import type { PipeAttrs } from './attrs.js';
import { expandArgv } from './expand.js';

export interface PipeSettings {
  attrs: PipeAttrs;
  /** master.cf service name: relay= of the log and the `delivered via X service` text. */
  service: string;
  timeLimitMs: number;
  recipientDelimiter: string;
  exportEnvironment: string[];
  queueDir: string;
  /** $config_directory/master.cf, for warnings. */
  masterCf: string;
}

type Status = Pick<DeliverResult, 'status' | 'dsn' | 'reason'> & { action?: DeliverResult['action'] };

function outcome(req: DeliverRequest, s: PipeSettings, st: Status): DeliveryOutcome {
  return {
    results: req.recipients.map((r) => ({ offset: r.offset, relay: s.service, ...st })),
  };
}

/** Message-level macro values from the queue file's attributes. */
function messageValues(req: DeliverRequest): Record<string, string> {
  const a = req.attributes;
  return {
    size: String(req.contentSize), queue_id: req.queueId,
    client_address: a.client_address ?? '', client_helo: a.helo_name ?? '', client_hostname: a.client_name ?? '',
    client_port: a.client_port ?? '', client_protocol: a.protocol ?? '',
    sasl_method: a.sasl_method ?? '', sasl_sender: a.sasl_sender ?? '', sasl_username: a.sasl_username ?? '',
  };
}

/** deliverPipe - run the command for `req`. */
export function deliverPipe(s: PipeSettings, req: DeliverRequest, ctx: ServiceContext): Promise<DeliveryOutcome> {
  const log = queueLogger(ctx.log, req.queueId);
  const f = s.attrs.flags;
  for (const [on, letter] of [[f.delivered, 'D'], [f.origRcpt, 'O']] as const) {
    if (on && req.recipients.length > 1) {
      log.warn(`pipe flag \`${letter}' requires ${s.service}_destination_recipient_limit = 1`);
      return Promise.resolve(outcome(req, s, { status: 'deferred', dsn: '4.3.5', reason: 'mail system configuration error' }));
    }
  }
  if (s.attrs.sizeLimit > 0 && req.contentSize > s.attrs.sizeLimit) {
    return Promise.resolve(outcome(req, s, { status: 'bounced', dsn: '5.2.3', reason: 'message too large' }));
  }
  return withMessageContent(req, log, (content) => deliverContent(s, req, log, content));
}

async function deliverContent(s: PipeSettings, req: DeliverRequest, log: Logger, content: MessageContent): Promise<DeliveryOutcome> {
  const a = s.attrs;
  const f = a.flags;
  const first = req.recipients[0] as DeliverRequest['recipients'][number];
  if (f.delivered && deliveredToAddresses(content.head).has(first.address.toLowerCase())) {
    return outcome(req, s, { status: 'bounced', dsn: '5.4.6', reason: `mail forwarding loop for ${first.address}` });
  }
  const sender = req.sender || a.nullSender;
  let argv: string[];
  try {
    argv = expandArgv(a.argv, {
      flags: f, sender, nexthop: req.nexthop, values: messageValues(req), recipientDelimiter: s.recipientDelimiter,
      recipients: req.recipients.map((r) => ({ address: r.address, original: r.original })),
    });
    if (argv.length === 0) throw new Error('argv= expands to nothing');
  } catch (err) {
    log.warn(`file ${s.masterCf}: service ${s.service}: ${(err as Error).message}`);
    return outcome(req, s, { status: 'deferred', dsn: '4.3.5', reason: 'mail system configuration error' });
  }
  const eol = (text: string): string => text.replace(/\n/g, a.eol);
  let prefix = '';
  if (f.fromLine) prefix += eol(mboxFromLine(sender));
  prefix += eol(envelopeHeaders({
    returnPath: f.returnPath ? sender : undefined,
    originalTo: f.origRcpt ? first.original : undefined,
    deliveredTo: f.delivered ? first.address : undefined,
  }));
  const env: NodeJS.ProcessEnv = {};
  for (const name of s.exportEnvironment) if (process.env[name] !== undefined) env[name] = process.env[name];
  env.PATH = '/usr/bin:/bin';
  const st = await runCommand({
    argv, command: argv[0] as string, uid: a.uid, gid: a.gid, cwd: a.directory ?? s.queueDir, env,
    timeLimitMs: s.timeLimitMs,
    input: copyLines(prefix, content.open(), { eol: a.eol, quoteFrom: f.quoteFrom, dotStuff: f.dot, blank: f.blank }),
    success: (output) => `delivered via ${s.service} service${output ? ` (${output.slice(0, 100)})` : ''}`,
  });
  return outcome(req, s, st.status === 'sent' ? { ...st, action: f.final ? 'delivered' : 'relayed' } : st);
}
