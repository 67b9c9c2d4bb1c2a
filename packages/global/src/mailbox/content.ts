/*
 * mailbox/content - a queued message's content as delivery agents read it: one
 * synchronous read for a message of up to WHOLE_LIMIT bytes (page-cached, cheaper than a
 * thread-pool hop), a stream for a larger one, so that memory stays bounded. Every
 * destination of one delivery (a mailbox, a command, a forward) opens its own pass over
 * the content. Used by the local, virtual and pipe delivery agents. Reads no parameters.
 */
import fs from 'node:fs';
import type { DeliveryOutcome } from '../deliver/agent.js';
import { deferAll } from '../deliver/agent.js';
import type { Logger } from '../log.js';
import type { DeliverRequest } from '../protocols/deliver.js';
import { QueueFileError } from '../queue/errors.js';
import { readAt } from '../queue/fsio.js';
import { openContentStream, type ContentLocation } from '../queue/reader.js';

/** Messages up to this size are read whole. */
export const WHOLE_LIMIT = 256 * 1024;
/** The most of a large message's start kept for header inspection. */
const HEAD_LIMIT = 64 * 1024;

export interface MessageContent {
  /** Bytes of raw content in the queue file. */
  readonly size: number;
  /** The whole content, when the message is small. */
  readonly whole?: Buffer;
  /** The start of the content (at least the header section of ordinary mail). */
  readonly head: Buffer;
  /** open - a fresh pass over the raw content. */
  open(): AsyncIterable<Buffer>;
}

/**
 * withMessageContent - run `deliver` on the request's content; content that cannot be read
 * (a vanished or truncated file) defers every recipient with a warning, to be tried again.
 */
export async function withMessageContent(
  req: DeliverRequest, log: Logger, deliver: (content: MessageContent) => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  let content: MessageContent;
  try {
    content = readMessageContent(req);
  } catch (err) {
    log.warn(`${req.path}: ${(err as Error).message}`);
    return { results: deferAll(req, '4.3.0', 'cannot read message content') };
  }
  return deliver(content);
}

/**
 * checkMailboxLimit - a mailbox limit below message_size_limit could never take a large
 * message: refuse to start, as Postfix does.
 */
export function checkMailboxLimit(limit: number, limitName: string, messageLimit: number): void {
  if (limit > 0 && messageLimit > 0 && limit < messageLimit) {
    throw new Error(`main.cf configuration error: ${limitName} is smaller than message_size_limit`);
  }
}

/** readMessageContent - the content of a queue file (read now when small). */
export function readMessageContent(loc: ContentLocation): MessageContent {
  const whole = loc.contentSize <= WHOLE_LIMIT;
  const fd = fs.openSync(loc.path, 'r');
  let head: Buffer;
  try {
    head = readAt(fd, whole ? loc.contentSize : HEAD_LIMIT, loc.contentOffset);
  } finally {
    fs.closeSync(fd);
  }
  if (whole && head.length !== loc.contentSize) throw new QueueFileError('corrupt', loc.path, 'message content truncated');
  if (whole) return { size: loc.contentSize, whole: head, head, open: () => once(head) };
  return {
    size: loc.contentSize,
    head,
    open: () => openContentStream(loc, { highWaterMark: HEAD_LIMIT }) as AsyncIterable<Buffer>,
  };
}

/** bufferContent - content held in memory (the helper process, tests). */
export function bufferContent(buf: Buffer): MessageContent {
  return { size: buf.length, whole: buf, head: buf.subarray(0, HEAD_LIMIT), open: () => once(buf) };
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  if (buf.length > 0) yield buf;
}
