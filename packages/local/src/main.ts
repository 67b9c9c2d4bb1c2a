/*
 * local - the local delivery agent (Postfix's local(8)): aliases, .forward files, mailboxes
 * (mbox and Maildir), commands and files, on the shared delivery-agent skeleton. Runs as
 * root when master is root (master.cf unpriv = n) so that it can deliver as each user;
 * see docs/local.md. Many deliveries run at once; qmgr decides how many.
 */
import { deliveryAgent } from '@mailroom/global';
import { deliverRequest } from './deliver.js';
import { localSettings, type LocalSettings } from './settings.js';

let settings: LocalSettings | undefined;

await deliveryAgent({
  name: 'local',
  preInit(ctx) {
    settings = localSettings(ctx.config);
  },
  deliver: (req, ctx) => deliverRequest(settings ?? localSettings(ctx.config), req, ctx),
});
