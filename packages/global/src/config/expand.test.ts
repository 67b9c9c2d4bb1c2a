import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandValue, splitList } from './expand.js';

const vars: Record<string, string> = {
  myhostname: 'mx.example.com',
  mydomain: 'example.com',
  myorigin: '$myhostname',
  empty: '',
  loop_a: '$loop_b',
  loop_b: '${loop_a}',
};
const lookup = (n: string) => vars[n];

test('expandValue follows Postfix macro forms', () => {
  const cases: [string, string][] = [
    ['$myhostname', 'mx.example.com'],
    ['${myhostname}', 'mx.example.com'],
    ['$(myhostname)', 'mx.example.com'],
    ['localhost.$mydomain', 'localhost.example.com'],
    ['$myorigin', 'mx.example.com'],
    ['${mydomain?yes}', 'yes'],
    ['${empty?yes}', ''],
    ['${empty:no}', 'no'],
    ['${mydomain:no}', ''],
    ['${mydomain?{a b}:{c}}', 'a b'],
    ['${empty?{a b}:{c}}', 'c'],
    ['${mydomain?at $myhostname}', 'at mx.example.com'],
    ['$undefined_name', ''],
    ['cost $ 5', 'cost $ 5'],
    ['no macros here', 'no macros here'],
  ];
  for (const [input, want] of cases) assert.equal(expandValue(input, lookup), want, input);
});

test('expandValue reports recursion instead of looping', () => {
  assert.throws(() => expandValue('$loop_a', lookup), /recursive expansion/);
  assert.throws(() => expandValue('${unclosed', lookup), /unbalanced/);
});

test('splitList splits on commas and white space, keeps braces whole', () => {
  assert.deepEqual(splitList('a, b  c,,d'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitList('permit_mynetworks, check_client_access inline:{ 1.2.3.4=OK, 5.6.7.8=REJECT }, reject'), [
    'permit_mynetworks', 'check_client_access', 'inline:{ 1.2.3.4=OK, 5.6.7.8=REJECT }', 'reject',
  ]);
  assert.deepEqual(splitList('a,b c', false), ['a,b', 'c']);
  assert.deepEqual(splitList(''), []);
});
