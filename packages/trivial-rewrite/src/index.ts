/*
 * @mailroom/trivial-rewrite as a library (master runs dist/main.js, the daemon):
 * the in-process engine and the request handler, for tests that want real answers
 * without a running daemon. Daemons talk to trivial-rewrite through RewriteClient
 * (@mailroom/global), never through this module.
 */
export { createEngine, type EngineOptions, type RewriteEngine } from './engine.js';
export { RewriteService, type ServiceOptions } from './service.js';
export { readSettings, type RewriteSettings } from './settings.js';
export { rewriteAddress, rewriteContext, type RewriteContext } from './rewrite.js';
