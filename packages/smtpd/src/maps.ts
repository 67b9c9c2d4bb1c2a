/*
 * maps - how smtpd opens lookup tables: through the process-wide table cache (each table
 * opened once), with Postfix's `proxy:` prefix accepted and dropped (there is no proxymap:
 * tables are read in-process) and `unix:passwd.byname` served by passwd.ts.
 * Used by services.ts for access tables and the recipient validation maps.
 */
import { openMaps, tableCache, type LookupTable, type TableLog } from '@mailroom/global';
import { PasswdTable } from './passwd.js';

let passwd: PasswdTable | undefined;

/** SmtpdTables - table opening for one smtpd process. */
export class SmtpdTables {
  constructor(private readonly log: TableLog) {}

  /** open - one table (`type:name`); throws TableError. */
  open(spec: string): LookupTable {
    const s = spec.replace(/^proxy:/, '');
    if (s === 'unix:passwd.byname') return (passwd ??= new PasswdTable());
    return tableCache.open(s, { log: this.log });
  }

  /** maps - a parameter's table list, or undefined when it is empty; throws TableError. */
  maps(list: readonly string[]): LookupTable | undefined {
    if (list.length === 0) return undefined;
    return openMaps(list, { log: this.log }, (spec) => this.open(spec));
  }
}
