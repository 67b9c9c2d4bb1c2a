/*
 * submit-sysexits - the exit codes of sysexits(3) that sendmail and postdrop use, with
 * the meaning each has here. Callers of sendmail (MUAs, cron, scripts) act on them:
 * 75 means "try again later", everything else non-zero means "this will not work".
 */

export const EX_OK = 0;
/** Bad command line: unknown option, no recipients, conflicting modes. */
export const EX_USAGE = 64;
/** Bad input data: the message is larger than message_size_limit, or unreadable. */
export const EX_DATAERR = 65;
/** A needed program (postqueue, newaliases, postfix) is missing, or a mode is not supported. */
export const EX_UNAVAILABLE = 69;
/** Internal error: a bug. */
export const EX_SOFTWARE = 70;
/** The operating system failed us: no login name for our user ID. */
export const EX_OSERR = 71;
/** Temporary failure: cannot write the maildrop file, configuration unreadable. Try later. */
export const EX_TEMPFAIL = 75;
/** The user may not submit mail (authorized_submit_users). */
export const EX_NOPERM = 77;
