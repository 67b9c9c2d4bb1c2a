/*
 * alias - the aliases(5) step of local delivery: look the local part up in alias_maps
 * (`name+ext`, then `name`), and deliver to every element of the value (addresses,
 * /file/name, |command, :include:) with the rights of the table's owner (root's become
 * default_privs). An `owner-name` alias makes `owner-name@$myorigin` (or, with
 * expand_owner_alias, its value) the sender of the expansion, so that problems go to the
 * list owner. An alias that lists itself delivers to its own mailbox.
 * Reads (through settings): alias_maps, owner_request_special, expand_owner_alias, myorigin.
 */
import {
  BUILDABLE_SUFFIX, parseAliasValue, parseTableSpec, tableCache, TableError, TableLookupError,
} from '@mailroom/global';
import { fileOwnerPrivs } from './privs.js';
import type { LocalParts } from './recipient.js';
import { defer, type Attr, type Delivery } from './state.js';
import { addressFromToken } from './resolve.js';
import { deliverToken } from './token.js';

interface AliasHit {
  name: string;
  value: string;
  /** The table's file, for its owner. */
  file?: string;
  spec: string;
}

/** tableFile - the file whose owner gives an alias table's rights. */
function tableFile(spec: string): string | undefined {
  const { type, name } = parseTableSpec(spec);
  if (!name.startsWith('/')) return undefined;
  return name + (BUILDABLE_SUFFIX[type] ?? '');
}

/** lookupAlias - the first table with `keys[0]`, then `keys[1]` ...; throws TableLookupError. */
async function lookupAlias(specs: readonly string[], keys: readonly string[]): Promise<AliasHit | undefined> {
  for (const spec of specs) {
    const table = tableCache.open(spec);
    for (const [i, key] of keys.entries()) {
      const value = await table.get(key, { partial: i > 0 });
      if (value !== undefined) return { name: key, value, file: tableFile(spec), spec };
    }
  }
  return undefined;
}

/** ownerSender - the sender for an alias's expansion: its owner- alias, if there is one. */
async function ownerSender(d: Delivery, hit: AliasHit, sender: string): Promise<string> {
  const s = d.settings;
  if (!s.ownerRequestSpecial || hit.name.startsWith('owner-')) return sender;
  const owner = await lookupAlias([hit.spec], [`owner-${hit.name}`]);
  if (!owner) return sender;
  const targets = parseAliasValue(owner.value);
  const only = targets.length === 1 && targets[0]?.kind === 'address' ? addressFromToken(targets[0].address) : undefined;
  return s.expandOwnerAlias && only ? only : `owner-${hit.name}@${s.myorigin}`;
}

/** deliverAlias - deliver through an alias; false when the recipient has none. */
export async function deliverAlias(d: Delivery, a: Attr, p: LocalParts): Promise<boolean> {
  const s = d.settings;
  if (s.aliasMaps.length === 0 || a.expFrom === p.local || a.expFrom === p.user) return false;
  let hit: AliasHit | undefined;
  try {
    hit = await lookupAlias(s.aliasMaps, p.extension ? [p.local, p.user] : [p.local]);
  } catch (err) {
    if (!(err instanceof TableLookupError || err instanceof TableError)) throw err;
    d.log.warn(`alias_maps: ${err.message}`);
    defer(d, a, '4.3.0', 'alias database unavailable');
    return true;
  }
  if (!hit) return false;
  if (d.dup.beenHere(`alias ${hit.name}`)) return true;
  const next: Attr = {
    ...a, level: a.level + 1, expType: 'alias', expFrom: hit.name, fwdFrom: undefined,
    privs: hit.file ? fileOwnerPrivs(hit.file) : undefined, sender: await ownerSender(d, hit, a.sender),
  };
  for (const t of parseAliasValue(hit.value)) await deliverToken(d, next, t);
  return true;
}
