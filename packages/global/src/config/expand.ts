/*
 * config/expand - `$name` expansion in parameter values, as Postfix's mac_expand:
 *   $name  ${name}  $(name)      the value of name ('' when it has none)
 *   ${name?text} ${name?{text}}  text when name is non-empty, else ''
 *   ${name:text} ${name:{text}}  text when name is empty, else ''
 *   ${name?{text1}:{text2}}      text1 when name is non-empty, else text2
 * A `$` not followed by a name or bracket stays as it is. Text inside the
 * conditional forms is expanded too. Recursion is reported, not followed forever.
 */

export type RawLookup = (name: string) => string | undefined;

const NAME_CHAR = /[A-Za-z0-9_]/;

/** closing - index of the bracket that closes the one at `open`, or -1. */
function closing(s: string, open: number): number {
  const o = s[open];
  const c = o === '{' ? '}' : ')';
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c && --depth === 0) return i;
  }
  return -1;
}

/** unbrace - `{text}` → `text`, anything else unchanged (trimmed). */
function unbrace(s: string): string {
  const t = s.trim();
  return t.startsWith('{') && closing(t, 0) === t.length - 1 ? t.slice(1, -1) : t;
}

export class ExpansionError extends Error {}

/**
 * expandValue - expand every macro in `value`. `lookup` returns raw values;
 * `stack` holds the names being expanded, to detect `a = $b`, `b = $a`.
 */
export function expandValue(value: string, lookup: RawLookup, stack: string[] = []): string {
  if (!value.includes('$')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '{' || next === '(') {
      const end = closing(value, i + 1);
      if (end < 0) throw new ExpansionError(`unbalanced bracket in "${value}"`);
      out += expandMacro(value.slice(i + 2, end), lookup, stack);
      i = end + 1;
    } else if (next !== undefined && NAME_CHAR.test(next)) {
      let j = i + 1;
      while (j < value.length && NAME_CHAR.test(value[j] as string)) j++;
      out += expandName(value.slice(i + 1, j), lookup, stack);
      i = j;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function expandName(name: string, lookup: RawLookup, stack: string[]): string {
  if (stack.includes(name)) throw new ExpansionError(`parameter ${name}: recursive expansion (${[...stack, name].join(' -> ')})`);
  const raw = lookup(name);
  return raw === undefined ? '' : expandValue(raw, lookup, [...stack, name]);
}

function expandMacro(body: string, lookup: RawLookup, stack: string[]): string {
  const m = /^([A-Za-z0-9_]+)\s*([?:])([\s\S]*)$/.exec(body);
  if (!m) return expandName(body.trim(), lookup, stack);
  const [, name, op, rest] = m as unknown as [string, string, string, string];
  const nonEmpty = expandName(name, lookup, stack) !== '';
  if (op === ':') return nonEmpty ? '' : expandValue(unbrace(rest), lookup, stack);
  // `?{text1}:{text2}` - split at the `:` that follows the first braced text.
  const r = rest.trim();
  if (r.startsWith('{')) {
    const end = closing(r, 0);
    const after = r.slice(end + 1).trim();
    if (end > 0 && after.startsWith(':')) {
      const chosen = nonEmpty ? r.slice(1, end) : unbrace(after.slice(1));
      return expandValue(chosen, lookup, stack);
    }
  }
  return nonEmpty ? expandValue(unbrace(rest), lookup, stack) : '';
}

/**
 * splitList - a list value split on commas and white space (or on white space only,
 * for master.cf fields), keeping `{ ... }` groups whole.
 */
export function splitList(value: string, commas = true): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of value) {
    if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
    if (depth === 0 && ((commas && ch === ',') || /\s/.test(ch))) {
      if (cur) out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur) out.push(cur);
  return out;
}
