/*
 * text - small text helpers of the notice composer: Postfix's mail_date() form of
 * a date (Arrival-Date, Will-Retry-Until, Date), its line_wrap() of long report
 * lines, and masking of control characters in reasons. Pure; reads no parameters.
 */
export { mailDate } from '@mailroom/global';

/**
 * lineWrap - break `text` at white space into lines of at most `length` columns
 * (a longer word stays whole), continuation lines indented by `indent` blanks,
 * as Postfix's line_wrap(): the reason lines of a notice stay readable and safe.
 */
export function lineWrap(text: string, length = 79, indent = 4): string[] {
  const words = text.split(/[ \t]+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line === '') line = lines.length === 0 ? w : ' '.repeat(indent) + w;
    else if (line.length + 1 + w.length > length) {
      lines.push(line);
      line = ' '.repeat(indent) + w;
    } else line += ` ${w}`;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * maskText - control characters become `?` (a reason comes from a remote server
 * and goes into a header-like field); non-ASCII too unless the notice may carry
 * UTF-8 (SMTPUTF8), as Postfix's printable().
 */
export function maskText(text: string, utf8: boolean): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(utf8 ? /[\x00-\x1f\x7f]/g : /[^\x20-\x7e]/gu, '?');
}

/** isAscii - only 7-bit characters. */
export function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text);
}
