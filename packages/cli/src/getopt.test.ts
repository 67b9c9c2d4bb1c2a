/* getopt: repeated options in order, bundling, attached and separate arguments, operands anywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getopt, GetoptError } from './getopt.js';

test('getopt as C getopt with GNU argument permutation', () => {
  const r = getopt(['-d', 'A', '-dB', '-sv', 'deferred', '-h', 'ALL', '--', '-x'], 'c:d:h:sv');
  assert.deepEqual(r.opts, [{ opt: 'd', arg: 'A' }, { opt: 'd', arg: 'B' }, { opt: 's' }, { opt: 'v' }, { opt: 'h', arg: 'ALL' }]);
  assert.deepEqual(r.args, ['deferred', '-x']);
  assert.deepEqual(getopt(['-', 'x'], 'v').args, ['-', 'x']);
  assert.throws(() => getopt(['-q'], 'v'), GetoptError);
  assert.throws(() => getopt(['-d'], 'd:'), /requires an argument/);
});
