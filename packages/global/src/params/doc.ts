/*
 * params/doc - render docs/parameters.md from the registry, so the manual and
 * `postconf -d` can never disagree. Computed defaults are shown as Postfix's
 * manual shows them (a description of how they are computed).
 */
import { paramNames, paramRegistry } from './index.js';

const COMPUTED: Record<string, string> = {
  myhostname: 'the machine\'s host name, fully qualified (`.localdomain` appended when it has no dot)',
  mydomain: '`$myhostname` without its first label, or `localdomain`',
  mynetworks: 'the networks of `mynetworks_style`, plus loopback',
};

/** renderParameterDoc - the whole of docs/parameters.md. */
export function renderParameterDoc(): string {
  const rows = paramNames().map((name) => {
    const spec = paramRegistry.get(name)!;
    const dflt = typeof spec.default === 'string'
      ? (spec.default === '' ? '(empty)' : `\`${spec.default}\``)
      : (COMPUTED[name] ?? 'computed at start');
    const unit = spec.kind === 'time' ? ` (time; bare numbers in ${spec.unit ?? 's'})` : ` (${spec.kind})`;
    return `| \`${name}\` | ${dflt.replace(/\|/g, '\\|')} | ${spec.description}${unit} |`;
  });
  return [
    '# Parameters',
    '',
    'Every `main.cf` parameter Mailroom reads, with its default. Generated from the',
    'parameter registry (`packages/global/src/params/`) by `node scripts/gen-params-doc.mjs`;',
    'a test fails when this page is out of date. `bin/postconf -d` prints the same defaults.',
    '',
    'Values may refer to other parameters with `$name`, `${name}`, `${name?text}`,',
    '`${name:text}` and `${name?{text1}:{text2}}` (see [main-cf.md](main-cf.md)).',
    '',
    '| Parameter | Default | Meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
