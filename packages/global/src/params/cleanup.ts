/*
 * params/cleanup - parameters of cleanup, the message canonicalisation daemon.
 */
import { param, type ParamSpec } from './types.js';

export const cleanupParams: readonly ParamSpec[] = [
];
