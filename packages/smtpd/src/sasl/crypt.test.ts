import assert from 'node:assert/strict';
import { test } from 'node:test';
import { md5Crypt, splitScheme, verifyPassword } from './crypt.js';

// Made with `doveadm pw -s SCHEME -p secret` (Dovecot 2.3).
const HASHES: Record<string, string> = {
  'SHA512-CRYPT': '{SHA512-CRYPT}$6$zczKKy.O742/vVM6$a5J56Uh6qKYhrrlq5Lo8b4b7zMwRAu.rcwnOgopv2Mxzt0xGZF0Q0Cqf1EeLS2qcb7hoNJb76qP6F4J1n7JUr1',
  'SHA256-CRYPT': '{SHA256-CRYPT}$5$wtdKEspibEdPtgmU$FVrNFLUfC.mUIB6b6EJ9sx7ZfEJNyapl2EqYi4/HMZA',
  'BLF-CRYPT': '{BLF-CRYPT}$2y$05$GgTaUK2sHsgEsAYATL6Pqe2AnbOA68rarTSf83tSIPcllSb2ixleC',
  ARGON2ID: '{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$Mb4ozpFoCh89qhKIYkhkIg$LB51UN1SV9Gw2dMIeYaL31yyfFnUg+iD/HgnONdLGYw',
  'MD5-CRYPT': '{MD5-CRYPT}$1$Ox.bdEd3$hnMomSyJE5Mj8TbRoFJim1',
  CRYPT: '{CRYPT}$2y$05$7jnP1ZZ0iE7BMXQbSZh0TubDHI4oPDzv4WNBlXRYihQwQz3jjeK/a',
  PLAIN: '{PLAIN}secret',
  bare: '$6$zczKKy.O742/vVM6$a5J56Uh6qKYhrrlq5Lo8b4b7zMwRAu.rcwnOgopv2Mxzt0xGZF0Q0Cqf1EeLS2qcb7hoNJb76qP6F4J1n7JUr1',
};

test('verifyPassword: every supported scheme accepts the password and refuses another', async () => {
  for (const [name, stored] of Object.entries(HASHES)) {
    assert.equal(await verifyPassword(stored, 'secret'), true, `${name} secret`);
    assert.equal(await verifyPassword(stored, 'Secret'), false, `${name} Secret`);
    assert.equal(await verifyPassword(stored, ''), false, `${name} empty`);
  }
});

test('verifyPassword: unsupported schemes are undefined; malformed hashes never match', async () => {
  assert.equal(await verifyPassword('{SSHA}abc', 'secret'), undefined);
  assert.equal(await verifyPassword('{CRYPT}abDES.hash', 'secret'), undefined);
  assert.equal(await verifyPassword('{SHA512-CRYPT}$5$nope', 'secret'), false);
  assert.equal(await verifyPassword('{ARGON2ID}$argon2id$garbage', 'secret'), false);
});

test('md5Crypt and splitScheme', () => {
  assert.equal(md5Crypt('secret', '$1$Ox.bdEd3$'), '$1$Ox.bdEd3$hnMomSyJE5Mj8TbRoFJim1');
  assert.deepEqual(splitScheme('{sha512-crypt}$6$x'), { scheme: 'SHA512-CRYPT', hash: '$6$x' });
  assert.deepEqual(splitScheme('$6$x'), { scheme: 'CRYPT', hash: '$6$x' });
});
