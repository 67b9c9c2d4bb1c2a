/*
 * mailbox/sysexits - what a command's exit status means for the mail (Postfix's sys_exits
 * and pipe_command): <sysexits.h> codes map to a status and text (75 EX_TEMPFAIL and
 * 71 EX_OSERR defer, the others bounce); other codes bounce with 5.3.0; output of the
 * form `4.x.y text` / `5.x.y text` gives the status itself. Pure; used by mailbox/command
 * (local's |command delivery and the pipe agent).
 */

const TABLE: Record<number, [string, string]> = {
  64: ['5.3.0', 'command line usage error'],
  65: ['5.6.0', 'data format error'],
  66: ['5.3.0', 'cannot open input'],
  67: ['5.1.1', 'user unknown'],
  68: ['5.1.2', 'host name unknown'],
  69: ['5.3.0', 'service unavailable'],
  70: ['5.3.0', 'internal software error'],
  71: ['4.3.0', 'system resource problem'],
  72: ['5.3.0', 'critical OS file missing'],
  73: ['5.2.0', "can't create user output file"],
  74: ['5.3.0', 'input/output error'],
  75: ['4.3.0', 'temporary failure'],
  76: ['5.5.0', 'remote error in protocol'],
  77: ['5.7.0', 'permission denied'],
  78: ['5.3.5', 'local configuration error'],
};

export interface CommandStatus {
  status: 'sent' | 'deferred' | 'bounced';
  dsn: string;
  reason: string;
}

export interface CommandEnd {
  command: string;
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  signalNumber?: number;
  timedOut: boolean;
  /** Captured output, already made printable. */
  output: string;
  /** Reason of a successful delivery (default: `delivered to command: <command>`). */
  success?: string;
}

const withOutput = (text: string, output: string): string => (output ? `${text}. Command output: ${output}` : text);

/** commandStatus - the delivery status of a finished command, as Postfix words it. */
export function commandStatus(e: CommandEnd): CommandStatus {
  if (e.timedOut) return { status: 'bounced', dsn: '5.3.0', reason: withOutput(`Command time limit exceeded: "${e.command}"`, e.output) };
  if (e.code === null) {
    return { status: 'deferred', dsn: '4.3.0', reason: withOutput(`Command died with signal ${e.signalNumber ?? e.signal}: "${e.command}"`, e.output) };
  }
  if (e.code === 0) return { status: 'sent', dsn: '2.0.0', reason: e.success ?? `delivered to command: ${e.command}` };
  const m = /^([45])\.(\d{1,3})\.(\d{1,3})\s+(.*)$/s.exec(e.output);
  if (m) return { status: m[1] === '4' ? 'deferred' : 'bounced', dsn: `${m[1]}.${m[2]}.${m[3]}`, reason: (m[4] as string).trim() };
  const known = TABLE[e.code];
  if (known) return { status: known[0].startsWith('4') ? 'deferred' : 'bounced', dsn: known[0], reason: withOutput(known[1], e.output) };
  return { status: 'bounced', dsn: '5.3.0', reason: withOutput(`Command died with status ${e.code}: "${e.command}"`, e.output) };
}

/** printable - command output for a log line: tabs and newlines become spaces, other controls `_`. */
export function printable(text: string): string {
  return text.replace(/[\t\n]/g, ' ').replace(/[\x00-\x1f\x7f]/g, '_').trim();
}
