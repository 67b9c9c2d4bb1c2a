/*
 * dates - the two date forms Postfix prints, in local time: asctime(3)
 * (`Tue Nov  4 09:05:01 2025`: postcat, mailq, mbox `From ` lines) and mail_date(3)
 * (`Tue,  4 Nov 2025 09:05:01 +0100 (CET)`: Date:, Received:, notices). Reads no parameters.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** asctime - asctime(localtime(t)) without its newline; `t` is a Date or epoch seconds. */
export function asctime(t: Date | number): string {
  const d = typeof t === 'number' ? new Date(t * 1000) : t;
  if (Number.isNaN(d.getTime())) return String(t);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

const zoneFormat = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
/** Zone names by UTC offset: the name only changes when the offset does (Intl is slow). */
const zoneNames = new Map<number, string>();

/** zoneName - the local time zone's short name (`UTC`, `CEST`, or `GMT+2` where none exists). */
function zoneName(d: Date): string {
  const off = d.getTimezoneOffset();
  let name = zoneNames.get(off);
  if (name === undefined) {
    name = zoneFormat.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
    zoneNames.set(off, name);
  }
  return name;
}

/** mailDate - Postfix's mail_date(): local time, day padded with a space, offset and zone. */
export function mailDate(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${String(d.getDate()).padStart(2, ' ')} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ` +
    `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)} (${zoneName(d)})`;
}
