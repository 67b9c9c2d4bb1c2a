/*
 * End-to-end tests of the error (also run as `retry`) and discard delivery agents on a
 * complete instance whose master.cf has the three services, as the default one does:
 * `error:text`, `retry:text` and `discard:text` entries in transport_maps bounce (with a
 * notice to the sender), defer, and drop the mail, logged by the agents themselves with
 * relay=none, the DSN code taken from the text as Postfix does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, invocations, makePipeInstance, sendmail, waitFor, waitLog, type PipeInstance } from './harness.js';

const TRANSPORT = `
err.example     error:5.1.1 no mail here
bare.example    error:
later.example   retry:4.7.1 come back later
gone.example    discard:silenced
drop.example    discard:
origin.example  catch:
`;

const MASTER_CF = `
discard   unix  -       -       n       -       -       discard
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
catch     unix  -       n       n       -       -       pipe  user=nobody argv=RECORDER catch \${sender} \${recipient}
`;

let inst: PipeInstance;

before(async () => {
  inst = await makePipeInstance('transport_maps = texthash:DIR/transport\n', MASTER_CF, { transport: TRANSPORT });
});

after(() => {
  if (inst) cleanup(inst);
});

/** serviceOf - the `service` field of the log line whose msg matches. */
function serviceOf(re: RegExp): string | undefined {
  for (const l of fs.readFileSync(inst.logFile, 'utf8').split('\n')) {
    if (!l.startsWith('{')) continue;
    const j = JSON.parse(l) as { msg?: string; service?: string };
    if (j.msg && re.test(j.msg)) return j.service;
  }
  return undefined;
}

test('error:text bounces with its code and text, error: alone with 5.0.0; the sender gets a notice', { timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['u@err.example', 'v@bare.example'], 'Subject: to nowhere\n\nx\n');
  const a = /to=<u@err\.example>, relay=none, delay=[\d.]+, delays=[\d./]+, dsn=5\.1\.1, status=bounced \(no mail here\)$/;
  const b = /to=<v@bare\.example>, relay=none, .*dsn=5\.0\.0, status=bounced \(Address is undeliverable\)$/;
  await waitLog(inst, a);
  await waitLog(inst, b);
  assert.equal(serviceOf(a), 'error', 'the error agent logged it');
  await waitFor('the bounce notice', () => invocations(inst, 'catch').length > 0, 30_000);
  const notice = invocations(inst, 'catch')[0];
  assert.deepEqual(notice?.args, ['catch', 'MAILER-DAEMON', 'sender@origin.example']);
  assert.match(notice?.stdin ?? '', /^Status: 5\.1\.1$/m);
  assert.match(notice?.stdin ?? '', /^Status: 5\.0\.0$/m);
  assert.match(notice?.stdin ?? '', /no mail here/);
});

test('retry:text defers with its code and text and the message stays queued', { timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['w@later.example'], 'Subject: later\n\nx\n');
  const re = /^([0-9A-Za-z]+): to=<w@later\.example>, relay=none, .*dsn=4\.7\.1, status=deferred \(come back later\)$/;
  const line = await waitLog(inst, re);
  assert.equal(serviceOf(re), 'error', 'the error agent, run as retry, logged it');
  const id = re.exec(line)?.[1] as string;
  await waitFor('the message in deferred/', () => fs.readdirSync(path.join(inst.spool, 'deferred'), { recursive: true }).some((f) => path.basename(String(f)) === id));
});

test('discard:text drops the mail and logs the text; discard: alone logs the next hop', { timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['x@gone.example', 'y@drop.example'], 'Subject: drop\n\nx\n');
  const a = /to=<x@gone\.example>, relay=none, .*dsn=2\.0\.0, status=sent \(silenced\)$/;
  await waitLog(inst, a);
  await waitLog(inst, /to=<y@drop\.example>, relay=none, .*dsn=2\.0\.0, status=sent \(drop\.example\)$/);
  assert.equal(serviceOf(a), 'discard', 'the discard agent logged it');
  const removed = /^([0-9A-Za-z]+): to=<x@gone/.exec(await waitLog(inst, a))?.[1];
  await waitLog(inst, new RegExp(`^${removed}: removed$`));
});

test('without error, retry and discard services qmgr gives the same results itself', { timeout: 60_000 }, async (t) => {
  const bare = await makePipeInstance('transport_maps = texthash:DIR/transport\n', '', { transport: TRANSPORT });
  t.after(() => cleanup(bare));
  sendmail(bare, 'sender@origin.example', ['u@err.example', 'w@later.example', 'x@gone.example'], 'Subject: no agents\n\nx\n');
  for (const re of [
    /to=<u@err\.example>, relay=none, .*dsn=5\.1\.1, status=bounced \(no mail here\)$/,
    /to=<w@later\.example>, relay=none, .*dsn=4\.7\.1, status=deferred \(come back later\)$/,
    /to=<x@gone\.example>, relay=none, .*dsn=2\.0\.0, status=sent \(silenced\)$/,
  ]) {
    await waitLog(bare, re);
  }
});
