/*
 * resolve - where a further address (from an alias, a .forward or :include: file, or
 * luser_relay) goes: trivial-rewrite puts it in standard form (`user` gets @$myorigin)
 * and resolves it; when it resolves to this very transport, local delivers it itself
 * (recursively), otherwise it is forwarded as a new message (forward.ts).
 */
import { internalForm, RESOLVE_FLAG, RewriteClient, type Config } from '@mailroom/global';

export type Resolved =
  | { kind: 'local'; address: string }
  | { kind: 'remote'; address: string }
  | { kind: 'error'; dsn: string; reason: string; defer: boolean };

let client: RewriteClient | undefined;

/** resolver - the process's trivial-rewrite client. */
function resolver(config: Config): RewriteClient {
  client ??= RewriteClient.fromConfig(config);
  return client;
}

/** addressFromToken - an alias-list element as an internal-form address (`<a@b>` → a@b). */
export function addressFromToken(token: string): string {
  const t = token.trim();
  return internalForm(t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t);
}

/** resolveFurther - rewrite and resolve `address` sent by `sender`; `transport` is ours. */
export async function resolveFurther(config: Config, transport: string, sender: string, address: string): Promise<Resolved> {
  try {
    const r = resolver(config);
    const std = await r.rewrite('local', address);
    const rep = await r.resolve(sender, std);
    if (rep.flags & RESOLVE_FLAG.FAIL) return { kind: 'error', dsn: '4.3.0', reason: 'address resolver failure', defer: true };
    if (rep.flags & RESOLVE_FLAG.ERROR) return { kind: 'error', dsn: '5.1.3', reason: 'bad address syntax', defer: false };
    return { kind: rep.transport === transport ? 'local' : 'remote', address: rep.recipient || std };
  } catch {
    return { kind: 'error', dsn: '4.3.0', reason: 'address resolver failure', defer: true };
  }
}
