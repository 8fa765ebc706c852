// pino-roll ships no type declarations; this is the part logger.ts uses.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';
  interface PinoRollOptions {
    file: string;
    size?: string | number;
    frequency?: string | number;
    extension?: string;
    symlink?: boolean;
    mkdir?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    dateFormat?: string;
  }
  /** A sonic-boom stream writing to the current file. */
  type RollingStream = DestinationStream & {
    flushSync(): void;
    end(): void;
    on(event: 'error', listener: (error: Error) => void): unknown;
  };
  function build(options: PinoRollOptions): Promise<RollingStream>;
  export = build;
}
