/*
 * qmgr/testing - helpers for qmgr's unit tests (not used by the daemon): a Message
 * with N recipients, transport settings with chosen limits, a silent logger.
 */
import { createLogger, type QueueFile } from '@mailroom/global';
import type { FeedbackLimits } from './feedback.js';
import { Message } from './message.js';
import type { TransportSettings } from './settings.js';

export const silentLog = createLogger({ service: 'test', level: 'silent' });

/** fakeMessage - an in-memory message whose recipients are r0@dom .. r<n-1>@dom. */
export function fakeMessage(id: string, n: number, dom = 'example.net'): Message {
  const file: QueueFile = {
    path: `/nonexistent/${id}`, id, sender: 's@example.com', arrivalTime: Date.now(), attributes: {}, flags: 0, smtputf8: false,
    recipients: Array.from({ length: n }, (_, i) => ({ address: `r${i}@${dom}`, original: `r${i}@${dom}`, done: false, offset: 100 + i })),
    contentOffset: 50, contentSize: 10, fileSize: 200, mtime: Date.now(), complete: true,
  };
  return new Message(file, file.path, Date.now(), silentLog, false, false);
}

/** fakeTransport - settings of a transport named `name`. */
export function fakeTransport(name: string, over: Partial<TransportSettings> = {}, fb: Partial<FeedbackLimits> = {}): TransportSettings {
  return {
    name, processLimit: 100, recipientLimit: 50, rateDelay: 0,
    feedback: { initial: 5, limit: 20, cohortLimit: 1, positive: { value: 1, perConcurrency: false }, negative: { value: 1, perConcurrency: false }, ...fb },
    ...over,
  };
}
