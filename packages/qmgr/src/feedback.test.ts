/* feedback: Postfix's concurrency window arithmetic, table-driven. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialWindow, negativeFeedback, parseFeedback, positiveFeedback, revive, type FeedbackLimits, type WindowState,
} from './feedback.js';

const limits = (over: Partial<FeedbackLimits> = {}): FeedbackLimits => ({
  initial: 5, limit: 20, cohortLimit: 1, positive: { value: 1, perConcurrency: false }, negative: { value: 1, perConcurrency: false }, ...over,
});

test('parseFeedback accepts N and N/concurrency', () => {
  const cases: [string, ReturnType<typeof parseFeedback>][] = [
    ['1', { value: 1, perConcurrency: false }],
    ['0.5', { value: 0.5, perConcurrency: false }],
    ['1/concurrency', { value: 1, perConcurrency: true }],
    [' 2 / Concurrency ', { value: 2, perConcurrency: true }],
    ['0', null],
    ['x', null],
    ['1/window', null],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseFeedback(text), want, text);
});

test('initial window is capped by the destination limit', () => {
  assert.equal(initialWindow(limits()).window, 5);
  assert.equal(initialWindow(limits({ limit: 2 })).window, 2);
  assert.equal(initialWindow(limits({ limit: 0 })).window, 5);
});

test('positive feedback grows the window only while it is used, up to the limit', () => {
  const cases: { name: string; l: FeedbackLimits; busy: number; steps: number; window: number }[] = [
    { name: 'one step per success', l: limits(), busy: 5, steps: 3, window: 8 },
    { name: 'unused window does not grow', l: limits(), busy: 0, steps: 3, window: 5 },
    { name: 'stops at the limit', l: limits({ limit: 6 }), busy: 10, steps: 5, window: 6 },
    { name: '1/concurrency: five successes at window 5', l: limits({ positive: { value: 1, perConcurrency: true } }), busy: 5, steps: 5, window: 6 },
    { name: '1/concurrency: four are not enough', l: limits({ positive: { value: 1, perConcurrency: true } }), busy: 5, steps: 4, window: 5 },
  ];
  for (const c of cases) {
    const s = initialWindow(c.l);
    for (let i = 0; i < c.steps; i++) positiveFeedback(s, c.l, c.busy);
    assert.equal(s.window, c.window, c.name);
  }
});

test('negative feedback shrinks to 1 and the failed cohort limit declares the destination dead', () => {
  const noDeath = limits({ cohortLimit: 0 });
  const s = initialWindow(noDeath);
  const seen: number[] = [];
  for (let i = 0; i < 6; i++) {
    assert.equal(negativeFeedback(s, noDeath), false);
    seen.push(s.window);
  }
  assert.deepEqual(seen, [4, 3, 2, 1, 1, 1]);

  // cohort limit 1: 1/5 + 1/4 + 1/3 + 1/2 >= 1 -> dead on the fourth failure
  const l = limits();
  const d = initialWindow(l);
  const dead: boolean[] = [];
  for (let i = 0; i < 4; i++) dead.push(negativeFeedback(d, l));
  assert.deepEqual(dead, [false, false, false, true]);
  assert.equal(d.window, 0);

  // a success in between resets the cohort count
  const r = initialWindow(l);
  negativeFeedback(r, l);
  negativeFeedback(r, l);
  positiveFeedback(r, l, 10);
  assert.equal(r.failCohorts, 0);
});

test('a revived destination restarts from what is in flight, or the initial window', () => {
  const l = limits();
  const s: WindowState = { window: 0, success: 0.5, failure: 0.5, failCohorts: 1 };
  revive(s, l, 3);
  assert.deepEqual(s, { window: 3, success: 0, failure: 0, failCohorts: 0 });
  revive(s, l, 0);
  assert.equal(s.window, 5);
});
