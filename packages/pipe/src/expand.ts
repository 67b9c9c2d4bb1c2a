/*
 * expand - macro expansion in pipe's argv, as pipe(8)'s expand_argv: `${name}`, `$name`
 * and `$(name)`, `$$` for a dollar; no recursion (an address may contain `$`). An
 * argument that names a recipient macro ($recipient $original_recipient $user $extension
 * $mailbox $domain) becomes one argument per recipient; an argument with an empty $user
 * is left out (cyrus shared mailboxes). Flags: q quotes the local parts of $sender,
 * $recipient and $original_recipient; h folds domains (and $domain, $nexthop) to lower case;
 * u folds local parts (and $user, $extension, $mailbox). Pure; used by deliver.ts.
 */
import { externalForm, splitAddress, splitExtension } from '@mailroom/global';
import type { PipeFlags } from './attrs.js';

/** Macros that depend on the recipient. */
const PER_RCPT = new Set(['recipient', 'original_recipient', 'user', 'extension', 'mailbox', 'domain']);
/** Macros that do not. */
const PER_MESSAGE = new Set([
  'sender', 'nexthop', 'size', 'queue_id', 'client_address', 'client_helo', 'client_hostname', 'client_port',
  'client_protocol', 'sasl_method', 'sasl_sender', 'sasl_username',
]);

type Part = { text: string } | { macro: string };

/** parseArg - split one argument into text and macro references; throws on an unknown name. */
export function parseArg(arg: string): Part[] {
  const parts: Part[] = [];
  let text = '';
  const re = /\$(?:\$|\{([^}]*)\}|\(([^)]*)\)|([A-Za-z0-9_]+))/g;
  let last = 0;
  for (let m = re.exec(arg); m; m = re.exec(arg)) {
    text += arg.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '$$') {
      text += '$';
      continue;
    }
    const name = (m[1] ?? m[2] ?? m[3]) as string;
    if (!PER_RCPT.has(name) && !PER_MESSAGE.has(name)) throw new Error(`unknown macro name: "${name}"`);
    if (text) parts.push({ text });
    text = '';
    parts.push({ macro: name });
  }
  text += arg.slice(last);
  if (text) parts.push({ text });
  return parts;
}

/** What one delivery knows. */
export interface ExpandContext {
  flags: PipeFlags;
  /** The sender after null_sender replacement. */
  sender: string;
  nexthop: string;
  /** Message-level values: size, queue_id, client_*, sasl_*. */
  values: Readonly<Record<string, string>>;
  recipientDelimiter: string;
  recipients: ReadonlyArray<{ address: string; original: string }>;
}

/** morph - quote and fold an address as the q, h and u flags say (pipe's morph_recipient). */
export function morph(address: string, f: Pick<PipeFlags, 'quote' | 'foldHost' | 'foldUser'>, quote = f.quote): string {
  const q = quote ? externalForm(address) : address;
  const at = q.lastIndexOf('@');
  if (at < 0) return f.foldUser ? q.toLowerCase() : q;
  const local = f.foldUser ? q.slice(0, at).toLowerCase() : q.slice(0, at);
  const domain = f.foldHost ? q.slice(at + 1).toLowerCase() : q.slice(at + 1);
  return `${local}@${domain}`;
}

function rcptValues(c: ExpandContext, r: { address: string; original: string }): Record<string, string> {
  const fold = { quote: false, foldHost: c.flags.foldHost, foldUser: c.flags.foldUser };
  const plain = morph(r.address, fold, false);
  const { local, domain } = splitAddress(plain);
  const { user, extension } = splitExtension(local, c.recipientDelimiter);
  return {
    recipient: morph(r.address, c.flags),
    original_recipient: r.original ? morph(r.original, c.flags) : '',
    user, extension, mailbox: local, domain,
  };
}

/** expandArgv - the command's argv for this delivery; throws on an unknown macro. */
export function expandArgv(argv: readonly string[], c: ExpandContext): string[] {
  const sender = c.sender && c.flags.quote ? externalForm(c.sender) : c.sender;
  const message: Record<string, string> = {
    ...c.values, sender, nexthop: c.flags.foldHost ? c.nexthop.toLowerCase() : c.nexthop,
  };
  const out: string[] = [];
  for (const arg of argv) {
    const parts = parseArg(arg);
    const render = (v: Record<string, string>): string => parts.map((p) => ('text' in p ? p.text : (v[p.macro] ?? ''))).join('');
    if (!parts.some((p) => 'macro' in p && PER_RCPT.has(p.macro))) {
      out.push(render(message));
      continue;
    }
    const needsUser = parts.some((p) => 'macro' in p && p.macro === 'user');
    for (const r of c.recipients) {
      const v = rcptValues(c, r);
      if (needsUser && v.user === '') continue;
      out.push(render({ ...message, ...v }));
    }
  }
  return out;
}
