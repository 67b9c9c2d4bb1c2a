#!/usr/bin/env node
// Writes docs/parameters.md from the parameter registry (the only place defaults live).
// Usage: node scripts/gen-params-doc.mjs [--check]   (--check: exit 1 when the file is stale)
import fs from 'node:fs';
import { renderParameterDoc } from '../packages/global/dist/params/doc.js';

const file = new URL('../docs/parameters.md', import.meta.url);
const text = renderParameterDoc();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (current !== text) {
    console.error('docs/parameters.md is out of date: run node scripts/gen-params-doc.mjs');
    process.exit(1);
  }
} else {
  fs.writeFileSync(file, text);
}
