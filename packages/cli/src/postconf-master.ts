/*
 * postconf-master - how `postconf -M` prints master.cf entries: the columns of
 * Postfix (`%-10s %-5s %-7s ...`), arguments on one line, or folded under the
 * command with `-f` (`-o name=value` pairs kept together, indented four spaces).
 */
import type { MasterEntry } from '@mailroom/global';

/** argGroups - arguments as printed: `-o name=value` stays one group. */
function argGroups(e: MasterEntry): string[] {
  const groups: string[] = [];
  for (let i = 0; i < e.rawArgs.length; i++) {
    const a = e.rawArgs[i] as string;
    const plain = (s: string) => (s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1).trim() : s);
    if (a === '-o' && i + 1 < e.rawArgs.length) {
      groups.push(`-o ${plain(e.rawArgs[++i] as string).replace(/\s*=\s*/, '=')}`);
    } else {
      groups.push(/\s/.test(plain(a)) ? `{ ${plain(a)} }` : a);
    }
  }
  return groups;
}

/** formatMasterEntry - one service as `postconf -M` (or `-Mf` when fold) prints it. */
export function formatMasterEntry(e: MasterEntry, fold: boolean): string {
  const [service, type, ...rest] = e.fields as [string, string, ...string[]];
  const command = rest.pop() as string;
  const head = `${service.padEnd(10)} ${type.padEnd(5)} ${rest.map((f) => f.padEnd(7)).join(' ')} ${command}`;
  const groups = argGroups(e);
  if (groups.length === 0) return head;
  return fold ? [head, ...groups.map((g) => `    ${g}`)].join('\n') : `${head} ${groups.join(' ')}`;
}

/** matchesFilter - `service`, `service/type` or `/type` selects an entry. */
export function matchesFilter(e: MasterEntry, filter: string): boolean {
  const [service, type] = filter.split('/');
  return (!service || service === e.service) && (type === undefined || type === '' || type === e.type);
}
