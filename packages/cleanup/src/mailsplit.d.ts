/* mailsplit.d.ts - the part of mailsplit's API cleanup uses (the package ships no types). */
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  namespace mailsplit {
    /** One logical header: lower-case key and the whole line (folds joined with CRLF). */
    interface HeaderLine {
      key: string;
      line: string;
    }
    class Headers {
      constructor(headers: Buffer | string | HeaderLine[], config?: object);
      changed: boolean;
      getList(): HeaderLine[];
      build(lineEnd?: string): Buffer;
    }
    interface MimeNode {
      type: 'node';
      root: boolean;
      parentNode: MimeNode | false;
      headers: Headers;
      contentType: string | false;
      multipart: string | false;
      /** This node is a message/rfc822 container whose child is the attached message. */
      messageNode?: boolean;
      getHeaders(): Buffer;
    }
    interface DataChunk {
      type: 'data' | 'body';
      node: MimeNode;
      value: Buffer;
    }
    type SplitterChunk = MimeNode | DataChunk;
    interface SplitterOptions {
      ignoreEmbedded?: boolean;
      maxHeadSize?: number;
      maxChildNodes?: number;
      defaultInlineEmbedded?: boolean;
    }
    class Splitter extends Transform {
      constructor(opts?: SplitterOptions);
    }
  }
  export = mailsplit;
}
