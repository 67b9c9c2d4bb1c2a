/*
 * text - small text helpers of the notice composer: Postfix's mail_date() form of
 * a date (Arrival-Date, Will-Retry-Until, Date), its line_wrap() of long report
 * lines, and masking of control characters in reasons. Pure; reads no parameters.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const two = (n: number): string => String(n).padStart(2, '0');

/** zoneName - the local zone's abbreviation (`UTC`, `EST`) when the platform has a short one. */
function zoneName(d: Date): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    return part && /^[A-Z]{2,5}$/.test(part.value) ? part.value : '';
  } catch {
    return '';
  }
}

/** mailDate - RFC 5322 date in local time, as Postfix prints it: `Sun, 29 Nov 2020 10:30:41 -0500 (EST)`. */
export function mailDate(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const zone = zoneName(d);
  return `${DAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}` +
    (zone ? ` (${zone})` : '');
}

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
