/*
 * limits - per-client connection limits, the part of Postfix's anvil(8) smtpd uses:
 *   smtpd_client_connection_count_limit  simultaneous connections per client address;
 *   smtpd_client_connection_rate_limit   connections per anvil_rate_time_unit;
 *   smtpd_client_event_limit_exceptions  clients exempt from both ($mynetworks).
 * The counts live in this process. One smtpd process serves many clients, so with one
 * process the limits are exact; when master runs several smtpd processes each counts
 * its own clients, so a client may reach up to limit x processes (see docs/smtpd.md).
 * Used by session start (server.ts).
 */
import { reply, type Reply } from './replies.js';

interface ClientCount {
  active: number;
  windowStart: number;
  inWindow: number;
}

export interface LimitSettings {
  countLimit: number;
  rateLimit: number;
  rateUnitMs: number;
  /** Client is in smtpd_client_event_limit_exceptions. */
  exempt(name: string, addr: string): Promise<boolean>;
}

export interface Refusal {
  reply: Reply;
  /** The warning to log (without `warning: `). */
  warning: string;
}

export class ClientLimits {
  private readonly clients = new Map<string, ClientCount>();

  constructor(
    private readonly settings: LimitSettings,
    private readonly myhostname: string,
    private readonly service: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** admit - count a new connection from `addr`: undefined to go on, or why not. */
  async admit(name: string, addr: string): Promise<Refusal | undefined> {
    const { countLimit, rateLimit, rateUnitMs } = this.settings;
    let c = this.clients.get(addr);
    if (!c) {
      c = { active: 0, windowStart: this.now(), inWindow: 0 };
      this.clients.set(addr, c);
    }
    c.active++;
    if (this.now() - c.windowStart >= rateUnitMs) {
      c.windowStart = this.now();
      c.inWindow = 0;
    }
    c.inWindow++;
    const overCount = countLimit > 0 && c.active > countLimit;
    const overRate = rateLimit > 0 && c.inWindow > rateLimit;
    if (!overCount && !overRate) return undefined;
    if (await this.settings.exempt(name, addr)) return undefined;
    const what = overCount ? `concurrency limit exceeded: ${c.active}` : `rate limit exceeded: ${c.inWindow}`;
    return {
      reply: reply(421, '4.7.0', `${this.myhostname} Error: too many connections from ${addr}`),
      warning: `Connection ${what} from ${name}[${addr}] for service ${this.service}`,
    };
  }

  /** release - a connection from `addr` has ended. */
  release(addr: string): void {
    const c = this.clients.get(addr);
    if (!c) return;
    c.active--;
    if (c.active <= 0 && this.now() - c.windowStart >= this.settings.rateUnitMs) this.clients.delete(addr);
  }

  /** sweep - forget idle clients whose rate window has passed (called now and then). */
  sweep(): void {
    const now = this.now();
    for (const [addr, c] of this.clients) {
      if (c.active <= 0 && now - c.windowStart >= this.settings.rateUnitMs) this.clients.delete(addr);
    }
  }

  /** active - connections counted for `addr` (tests, logging). */
  active(addr: string): number {
    return this.clients.get(addr)?.active ?? 0;
  }
}
