#!/usr/bin/env node
// Part of `npm run build`: bundle the short-lived submission and queue commands into one
// file each, so that a `sendmail` run loads one module instead of ~200 (half its start-up
// time: docs/performance.md). Daemons are long-lived and stay unbundled. bin/<cmd> runs
// the bundle when it exists and the compiled modules otherwise, so a failed bundle step
// costs speed, not function.
//
// The bundles live in packages/cli/dist/bundle/, as deep below the repository as
// packages/global/dist/<area>/, because global finds its install directory (default
// config_directory and daemon_directory) relative to its own module URL.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const COMMANDS = ['sendmail', 'postdrop', 'postqueue'];
const outDir = `${root}packages/cli/dist/bundle`;

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (err) {
  console.error(`bundle: esbuild unavailable (${err.message.split('\n')[0]}); commands run unbundled`);
  process.exit(0);
}
fs.rmSync(outDir, { recursive: true, force: true });
try {
  await esbuild.build({
    entryPoints: Object.fromEntries(COMMANDS.map((c) => [c, `${root}packages/cli/dist/${c}.js`])),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native modules load lazily through createRequire and are never bundled.
    external: ['lmdb', 'fs-ext'],
    // CommonJS dependencies (pino, commander) call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __mailroomRequire } from 'node:module'; const require = __mailroomRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch (err) {
  fs.rmSync(outDir, { recursive: true, force: true });
  console.error(`bundle: ${err.message}; commands run unbundled`);
}
