/*
 * params/submission - parameters of sendmail, postdrop and pickup (local submission).
 */
import { param, type ParamSpec } from './types.js';

export const submissionParams: readonly ParamSpec[] = [
];
