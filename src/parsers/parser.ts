import type { Micros, NatRow, WhowasRecord } from '../records/record.ts';
import type { Message } from '../syslog/types.ts';
import type { SourceClock } from '../time/types.ts';

/** Everything a parser may know besides the message itself. A parser never touches a socket or a file. */
export interface ParseContext {
  clock: SourceClock;
  /** Configured source id. */
  source: string;
  /** When the line was received (live) or read (file), UTC µs. */
  received: Micros;
}

/**
 * The outcome for one message:
 * - records: one or more normalised records (each must carry `raw` = msg.raw, UTC `ts`, `received`, `source`);
 * - skip: the line is understood but carries no binding (a DHCPDISCOVER, a "forwarded" DNS line); counted;
 * - unparsed: the line was not understood; the reason is kept with the raw line.
 */
export type ParseResult =
  | { records: WhowasRecord[] }
  | { skip: string }
  | { unparsed: string };

export interface Parser {
  /** The name users type after --format. */
  readonly name: string;
  readonly description: string;
  /**
   * How a file or stream of this format splits into messages:
   * 'line' — one message per LF-terminated line;
   * 'block' — records separated by blank lines (FreeRADIUS detail files).
   */
  readonly framing: 'line' | 'block';
  /** Whether messages normally carry a syslog header that the pipeline should strip first. */
  readonly syslogHeader: 'required' | 'optional' | 'none';
  /**
   * Lines depend on earlier lines of the same file (a CSV or Zeek header names the columns): a file is
   * then parsed in order on one thread, never split across ingest workers.
   */
  readonly stateful?: boolean;
  parse(msg: Message, ctx: ParseContext): ParseResult;
  /**
   * Bulk ingest's fast path for a NAT format's commonest lines: one line's bytes [start, end) read straight
   * into `row`, without a string, a record or a syslog header. Returns false for any line it does not fully
   * understand (that line then goes through parse()); when it returns true, the row is exactly what parse()
   * gives for the same line (each parser with one holds it to parse() in its tests).
   */
  readonly natRow?: (b: Uint8Array, start: number, end: number, row: NatRow) => boolean;
}
