/*
 * getopt - C getopt(3) for commands whose options repeat and keep their order
 * (`postsuper -d A -d B -h C`), which commander does not model well. `spec` is the
 * getopt string ("c:d:pv": a letter followed by `:` takes an argument, attached
 * `-dALL` or separate `-d ALL`); flags bundle (`-sp`). As GNU getopt, options and
 * operands may be mixed; `--` ends the options. Pure; used by postsuper and postlog.
 */

export interface ParsedOpts {
  /** Options in command-line order: letter and argument (undefined for flags). */
  opts: { opt: string; arg?: string }[];
  /** Operands. */
  args: string[];
}

export class GetoptError extends Error {}

/** getopt - parse argv (without node and script) against `spec`; throws GetoptError. */
export function getopt(argv: readonly string[], spec: string): ParsedOpts {
  const out: ParsedOpts = { opts: [], args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.args.push(...argv.slice(i + 1));
      break;
    }
    if (a.length < 2 || !a.startsWith('-')) {
      out.args.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j] as string;
      const at = spec.indexOf(c);
      if (c === ':' || at < 0) throw new GetoptError(`invalid option -- '${c}'`);
      if (spec[at + 1] !== ':') {
        out.opts.push({ opt: c });
        continue;
      }
      let arg = a.slice(j + 1);
      if (arg === '') {
        if (i + 1 >= argv.length) throw new GetoptError(`option requires an argument -- '${c}'`);
        arg = argv[++i] as string;
      }
      out.opts.push({ opt: c, arg });
      break;
    }
  }
  return out;
}
