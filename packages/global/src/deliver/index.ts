/* deliver - what every delivery agent shares. */
export * from './agent.js';
export * from './nexthop.js';
