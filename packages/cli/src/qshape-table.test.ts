/* qshape-table: domains, parent domains, buckets and headings as Postfix's qshape computes them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SHAPE, domainOf, parentOf, QueueShape } from './qshape-table.js';

test('domains and parent domains', () => {
  const cases: [string, string][] = [
    ['User@Example.COM', 'example.com'], ['', 'MAILER-DAEMON'], ['root', 'root'], ['a@b@c.example', 'c.example'],
    ['x@.dots..example.org.', 'dots.example.org'],
  ];
  for (const [a, d] of cases) assert.equal(domainOf(a), d, a);
  assert.equal(parentOf('a.b.example.com'), '.b.example.com');
  assert.equal(parentOf('.b.example.com'), '.example.com');
  assert.equal(parentOf('.example.com'), undefined);
  assert.equal(parentOf('example.com'), undefined);
});

test('buckets and headings', () => {
  const s = new QueueShape(DEFAULT_SHAPE);
  assert.deepEqual(s.headings(), ['T', '5', '10', '20', '40', '80', '160', '320', '640', '1280', '1280+']);
  const ages: [number, number][] = [[0, 1], [299, 1], [300, 2], [599, 2], [600, 3], [1199, 3], [1200, 4], [10 ** 7, 10]];
  for (const [sec, b] of ages) assert.equal(s.bucket(sec), b, String(sec));
  const lin = new QueueShape({ ...DEFAULT_SHAPE, linear: true, bucketCount: 4, bucketTime: 2 });
  assert.deepEqual(lin.headings(), ['T', '2', '4', '6', '6+']);
  assert.deepEqual([0, 119, 120, 359, 360, 99999].map((x) => lin.bucket(x)), [1, 1, 2, 3, 4, 4]);
});

test('parent domains need min_subdomains subdomains', () => {
  const s = new QueueShape({ ...DEFAULT_SHAPE, parents: true, minSubdomains: 2 });
  s.add(0, ['a@x.example.net', 'b@y.example.net', 'c@y.example.net', 'd@z.example.org']);
  const rows = s.render().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).slice(0, 2));
  assert.deepEqual(rows, [['T', '5'], ['TOTAL', '4'], ['.example.net', '3'], ['y.example.net', '2'], ['x.example.net', '1'], ['z.example.org', '1']]);
});
