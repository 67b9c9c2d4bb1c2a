/* queue - queue IDs, the spool tree, queue files (write, read, update, lock, move) and postcat's dump. */
export * from './id.js';
export { QueueFileError, isQueueFileError, type QueueFileErrorKind } from './errors.js';
export { REC as QUEUE_REC, recordTypeName } from './records.js';
export type { QueueRecipientSpec, QueueRecipient, QueueEnvelopeSpec, QueueFile } from './format.js';
export * from './spool.js';
export { createSpool, SPOOL_DIR_MODES, type CreateSpoolOptions } from './create.js';
export * from './writer.js';
export * from './reader.js';
export * from './update.js';
export * from './lock.js';
export * from './scan.js';
export * from './move.js';
export * from './statuslog.js';
export { dumpQueueFile, fileSource, bufferSource, DumpError as QueueDumpError } from './dump.js';
export type { DumpFlags, DumpSink, DumpSource } from './dump.js';
