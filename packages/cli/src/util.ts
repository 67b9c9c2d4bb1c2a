/*
 * util - what every command shares: Postfix-style messages on standard error
 * (`postconf: fatal: ...`), and loading the configuration or failing clearly.
 */
import { ConfigError, loadConfig, type Config } from '@mailroom/global';

/** warn - `prog: warning: text` on standard error. */
export function warn(prog: string, text: string): void {
  process.stderr.write(`${prog}: warning: ${text}\n`);
}

/** fatal - `prog: fatal: text` on standard error, then exit (default status 1). */
export function fatal(prog: string, text: string, status = 1): never {
  process.stderr.write(`${prog}: fatal: ${text}\n`);
  process.exit(status);
}

/**
 * loadConfigOrDie - the configuration of `-c DIR` (or the default), or a fatal error naming
 * file:line and exiting with `status` (sendmail and postdrop use EX_TEMPFAIL: try again later).
 */
export function loadConfigOrDie(prog: string, configDir?: string, overrides?: Record<string, string>, status = 1): Config {
  try {
    return loadConfig({ configDir, overrides });
  } catch (err) {
    if (err instanceof ConfigError) fatal(prog, err.message, status);
    throw err;
  }
}
