/*
 * params/smtpd - parameters of smtpd, the SMTP server.
 */
import { param, type ParamSpec } from './types.js';

export const smtpdParams: readonly ParamSpec[] = [
];
