/*
 * body-lines - body_checks over a byte stream: cut it into lines (a line longer than
 * MAX_LINE is checked in pieces, so memory stays bounded), look each up while the
 * current body part has had fewer than body_checks_size_limit bytes, and pass the
 * bytes through unchanged unless an action edits a line (IGNORE, REPLACE, PREPEND).
 * Unchanged runs of lines leave as slices of the input, not line by line.
 * Used by mime.ts; its limit comes from CheckSettings.
 */
import { isUtf8 } from 'node:buffer';
import { checkLine } from './checks.js';
import type { NamedMaps } from './settings.js';
import type { MessageState } from './state.js';

/** Longest piece of a line kept while waiting for its end. */
const MAX_LINE = 64 * 1024;

/** lineText - a line's text for matching: without its line ending, UTF-8 when it is. */
function lineText(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === 10) end--;
  if (end > 0 && line[end - 1] === 13) end--;
  const body = line.subarray(0, end);
  return body.toString(isUtf8(body) ? 'utf8' : 'latin1');
}

/** eolOf - the line ending a line came with ('' when it had none). */
function eolOf(line: Buffer): string {
  if (line[line.length - 1] !== 10) return '';
  return line[line.length - 2] === 13 ? '\r\n' : '\n';
}

export class BodyLineChecker {
  private partial: Buffer[] = [];
  private partialLen = 0;
  private segment = 0;

  constructor(
    private readonly state: MessageState,
    private readonly maps: NamedMaps,
    private readonly limit: number,
  ) {}

  /** newPart - a MIME part starts: its first body_checks_size_limit bytes are checked. */
  newPart(): Buffer[] {
    this.segment = 0;
    return this.flush();
  }

  /** push - body bytes in; the bytes to write out (edited lines replaced). */
  async push(value: Buffer): Promise<Buffer[]> {
    if (!this.checking()) return [...this.flush(), value];
    const out: Buffer[] = [];
    let runStart = 0; // start of bytes of `value` not yet emitted
    let pos = 0;
    while (pos < value.length && this.checking()) {
      const nl = value.indexOf(10, pos);
      if (nl < 0) break;
      const end = nl + 1;
      const own = value.subarray(pos, end);
      const line = this.partialLen > 0 ? Buffer.concat([...this.partial, own]) : own;
      const hadPartial = this.partialLen > 0;
      this.partial = [];
      this.partialLen = 0;
      const edit = await this.check(line);
      if (edit !== undefined || hadPartial) {
        out.push(value.subarray(runStart, pos));
        if (edit !== undefined) out.push(...edit);
        else out.push(line);
        runStart = end;
      }
      pos = end;
    }
    if (!this.checking()) {
      out.push(...this.flush(), value.subarray(runStart));
      return out;
    }
    out.push(value.subarray(runStart, pos));
    const rest = value.subarray(pos);
    if (rest.length > 0) {
      this.partial.push(rest);
      this.partialLen += rest.length;
      if (this.partialLen >= MAX_LINE) {
        const piece = Buffer.concat(this.partial);
        this.partial = [];
        this.partialLen = 0;
        out.push(...((await this.check(piece)) ?? [piece]));
      }
    }
    return out.filter((b) => b.length > 0);
  }

  /** flush - the held partial line, unchecked (end of part or of message). */
  flush(): Buffer[] {
    const held = this.partial;
    this.partial = [];
    this.partialLen = 0;
    return held;
  }

  /** end - the last line (without a line ending) is checked too. */
  async end(): Promise<Buffer[]> {
    if (this.partialLen === 0 || !this.checking()) return this.flush();
    const line = Buffer.concat(this.flush());
    return (await this.check(line)) ?? [line];
  }

  private checking(): boolean {
    return this.state.filtering && this.segment < this.limit;
  }

  /** check - one line; the bytes that replace it, or undefined to keep it as is. */
  private async check(line: Buffer): Promise<Buffer[] | undefined> {
    this.segment += line.length;
    const edit = await checkLine(this.state, this.maps, 'body', lineText(line));
    if (!edit) return undefined;
    const eol = eolOf(line) || '\r\n';
    const out: Buffer[] = [];
    if (edit.prepend !== undefined) out.push(Buffer.from(`${edit.prepend}${eol}`));
    if (edit.drop) return out;
    out.push(edit.replace !== undefined ? Buffer.from(`${edit.replace}${eolOf(line)}`) : line);
    return out;
  }
}
