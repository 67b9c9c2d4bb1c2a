/*
 * submit-smtp - `sendmail -bs`: an SMTP dialogue on standard input and output for
 * the invoking user (Postfix runs smtpd in stand-alone mode for this). Each accepted
 * message becomes one maildrop file, exactly as `sendmail` would write it, with
 * protocol SMTP/ESMTP and the HELO name recorded; pickup and cleanup do the rest.
 * No relay or access controls apply: the user could equally run `sendmail` directly.
 * Supports HELO, EHLO (PIPELINING, SIZE, ENHANCEDSTATUSCODES, 8BITMIME, DSN), MAIL,
 * RCPT, DATA, RSET, NOOP, VRFY (disabled), QUIT.
 * Reads: myhostname, smtpd_banner, message_size_limit,
 * sendmail_fix_line_endings and what submit-drop reads.
 */
import { internalForm, type Config } from '@mailroom/global';
import { dsnNotifyMask, DSN_RET } from './submit-args.js';
import { MessageFilter } from './submit-content.js';
import { MaildropFile, MessageTooBigError, messageSizeLimit, wakePickup, type DropRequest, type Submitter } from './submit-drop.js';
import { fixLineEndings, submitterOrDie } from './submit-enqueue.js';
import { LineReader } from './submit-lines.js';

interface Transaction {
  sender: string;
  recipients: DropRequest['recipients'];
  envid?: string;
  ret?: number;
  body?: '7BIT' | '8BITMIME';
}

/** xtextDecode - RFC 3461 xtext (`+2B` is `+`). */
function xtextDecode(text: string): string {
  return text.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** parsePath - `FROM:<addr> PARAMS` or `TO:<addr> PARAMS`; undefined on bad syntax. */
function parsePath(arg: string, keyword: string): { address: string; params: Map<string, string> } | undefined {
  const m = new RegExp(`^${keyword}:\\s*(<[^<>]*>|[^\\s<>]+)(.*)$`, 'i').exec(arg);
  if (!m) return undefined;
  let addr = (m[1] as string).replace(/^<|>$/g, '');
  if (addr.startsWith('@')) addr = addr.slice(addr.indexOf(':') + 1); // source route
  const params = new Map<string, string>();
  for (const p of (m[2] as string).trim().split(/\s+/).filter(Boolean)) {
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).toUpperCase(), eq < 0 ? '' : p.slice(eq + 1));
  }
  return { address: internalForm(addr), params };
}

/** SmtpSession - one -bs dialogue. */
class SmtpSession {
  private helo: string | undefined;
  private protocol: 'SMTP' | 'ESMTP' = 'SMTP';
  private tx: Transaction | undefined;
  private readonly limit: number;
  private readonly host: string;

  constructor(
    private readonly prog: string,
    private readonly config: Config,
    private readonly who: Submitter,
    private readonly lines: LineReader,
    private readonly reply: (text: string) => void,
  ) {
    this.limit = messageSizeLimit(config);
    this.host = config.get('myhostname');
  }

  async run(): Promise<void> {
    this.reply(`220 ${this.config.get('smtpd_banner')}`);
    for (let line = await this.lines.next(); line; line = await this.lines.next()) {
      const text = line.data.toString('utf8').replace(/\r$/, '');
      const sp = text.indexOf(' ');
      const verb = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
      const arg = sp < 0 ? '' : text.slice(sp + 1).trim();
      if (!line.complete) this.reply('500 5.5.2 Error: line too long');
      else if (verb === 'QUIT') return this.reply('221 2.0.0 Bye');
      else await this.command(verb, arg);
    }
  }

  private async command(verb: string, arg: string): Promise<void> {
    switch (verb) {
      case 'HELO':
      case 'EHLO':
        if (!arg) return this.reply(`501 Syntax: ${verb} hostname`);
        this.helo = arg;
        this.protocol = verb === 'EHLO' ? 'ESMTP' : 'SMTP';
        this.tx = undefined;
        if (verb === 'HELO') return this.reply(`250 ${this.host}`);
        for (const ext of [this.host, 'PIPELINING', `SIZE ${this.limit}`, 'ENHANCEDSTATUSCODES', '8BITMIME']) this.reply(`250-${ext}`);
        return this.reply('250 DSN');
      case 'MAIL': return this.mail(arg);
      case 'RCPT': return this.rcpt(arg);
      case 'DATA': return this.data();
      case 'RSET':
        this.tx = undefined;
        return this.reply('250 2.0.0 Ok');
      case 'NOOP': return this.reply('250 2.0.0 Ok');
      case 'VRFY': return this.reply('502 5.5.1 VRFY command is disabled');
      case '': return this.reply('500 5.5.2 Error: bad syntax');
      default: return this.reply('502 5.5.2 Error: command not recognized');
    }
  }

  private mail(arg: string): void {
    if (this.tx) return this.reply('503 5.5.1 Error: nested MAIL command');
    const p = parsePath(arg, 'FROM');
    if (!p) return this.reply('501 5.5.4 Syntax: MAIL FROM:<address>');
    const size = Number(p.params.get('SIZE') ?? 0);
    if (this.limit > 0 && size > this.limit) return this.reply('552 5.3.4 Message size exceeds fixed limit');
    const body = p.params.get('BODY')?.toUpperCase();
    if (body !== undefined && body !== '7BIT' && body !== '8BITMIME') return this.reply('501 5.5.4 Bad BODY keyword value');
    const ret = p.params.get('RET')?.toUpperCase();
    if (ret !== undefined && ret !== 'FULL' && ret !== 'HDRS') return this.reply('501 5.5.4 Bad RET parameter syntax');
    const envid = p.params.get('ENVID');
    this.tx = {
      sender: p.address, recipients: [], body,
      ret: ret === undefined ? undefined : DSN_RET[ret as 'FULL' | 'HDRS'],
      envid: envid === undefined ? undefined : xtextDecode(envid),
    };
    this.reply('250 2.1.0 Ok');
  }

  private rcpt(arg: string): void {
    if (!this.tx) return this.reply('503 5.5.1 Error: need MAIL command');
    const p = parsePath(arg, 'TO');
    if (!p) return this.reply('501 5.5.4 Syntax: RCPT TO:<address>');
    if (p.address === '') return this.reply('501 5.1.3 Bad recipient address syntax');
    const notifyText = p.params.get('NOTIFY');
    const notify = notifyText === undefined ? undefined : dsnNotifyMask(notifyText);
    if (notify === 0) return this.reply('501 5.5.4 Error: Bad NOTIFY parameter syntax');
    const orcpt = p.params.get('ORCPT');
    this.tx.recipients.push({ address: p.address, notify, orcpt: orcpt === undefined ? undefined : xtextDecode(orcpt) });
    this.reply('250 2.1.5 Ok');
  }

  private async data(): Promise<void> {
    const tx = this.tx;
    if (!tx || tx.recipients.length === 0) return this.reply(tx ? '503 5.5.1 Error: need RCPT command' : '503 5.5.1 Error: need MAIL command');
    this.reply('354 End data with <CR><LF>.<CR><LF>');
    this.tx = undefined;
    const file = new MaildropFile(this.config, { ...tx, protocol: this.protocol, helo: this.helo }, this.who);
    const filter = new MessageFilter({ dotEndsInput: false, fixLineEndings: fixLineEndings(this.prog, this.config) });
    let failure: unknown;
    let atLineStart = true;
    for (let line = await this.lines.next(); ; line = await this.lines.next()) {
      if (!line) {
        await file.abort();
        return; // end of input inside DATA: nothing is queued
      }
      let data = line.data;
      if (atLineStart && (data.equals(Buffer.from('.')) || data.equals(Buffer.from('.\r'))) && line.complete) break;
      if (atLineStart && data[0] === 0x2e) data = data.subarray(1); // dot-unstuffing
      atLineStart = line.complete;
      if (failure !== undefined) continue;
      try {
        await file.write(filter.push(line.complete ? Buffer.concat([data, Buffer.from('\n')]) : data));
      } catch (err) {
        failure = err;
      }
    }
    try {
      if (failure !== undefined) throw failure;
      await file.write(filter.end());
      const id = await file.commit();
      await wakePickup(this.config);
      this.reply(`250 2.0.0 Ok: queued as ${id}`);
    } catch (err) {
      await file.abort().catch(() => undefined);
      if (err instanceof MessageTooBigError) this.reply('552 5.3.4 Error: message file too big');
      else this.reply('451 4.3.0 Error: queue file write error');
    }
  }
}

/** smtpSession - run -bs on standard input/output until QUIT or end of input. */
export async function smtpSession(prog: string, config: Config): Promise<void> {
  const who = submitterOrDie(prog);
  const session = new SmtpSession(prog, config, who, new LineReader(process.stdin), (t) => process.stdout.write(`${t}\r\n`));
  await session.run();
}
