/*
 * params/rewrite - parameters of trivial-rewrite, address rewriting and resolving.
 */
import { param, type ParamSpec } from './types.js';

export const rewriteParams: readonly ParamSpec[] = [
];
