// Streaming framers: bytes in (any chunking), whole messages out. They work on Buffers because
// lengths are in bytes and a chunk may end inside a UTF-8 sequence; they know nothing of syslog headers.

const LF = 0x0a, CR = 0x0d, SP = 0x20, TAB = 0x09;

export const DEFAULT_MAX_LENGTH = 64 * 1024;

export interface FramerOptions {
  /** Longest message kept, in bytes; longer ones are cut to this (at a character boundary) and counted. */
  maxLength?: number;
}

function maxOf(opts: FramerOptions | undefined): number {
  const m = opts?.maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`maxLength must be a positive integer, got ${m}`);
  return m;
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

/** Decode buf[start, end), keeping at most `max` bytes and never splitting a UTF-8 sequence. */
function decodeCut(buf: Buffer, start: number, end: number, max: number): string {
  if (end - start > max) {
    end = start + max;
    while (end > start && (buf[end]! & 0xc0) === 0x80) end--; // back off continuation bytes
  }
  return buf.toString('utf8', start, end);
}

function joined(parts: Buffer[], len: number): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, len);
}

/**
 * LF-terminated lines (a CR before the LF is dropped). Empty lines are returned too: for files,
 * line numbers are part of the evidence. A line longer than maxLength is emitted cut and counted in
 * `oversize`; the rest of it, up to its LF, is dropped.
 */
export class LineFramer {
  oversize = 0;
  private readonly max: number;
  private parts: Buffer[] = [];
  private len = 0;
  /** After emitting a cut line: drop bytes until its LF. */
  private skipping = false;

  constructor(opts?: FramerOptions) {
    this.max = maxOf(opts);
  }

  push(chunk: Buffer | string): string[] {
    const buf = toBuffer(chunk);
    const out: string[] = [];
    const n = buf.length;
    let start = 0;
    while (start < n) {
      const lf = buf.indexOf(LF, start);
      if (lf < 0) {
        this.hold(buf, start, n, out);
        break;
      }
      if (this.skipping) this.skipping = false;
      else if (this.len === 0) out.push(this.line(buf, start, lf));
      else {
        this.parts.push(buf.subarray(start, lf));
        const all = joined(this.parts, this.len + lf - start);
        this.parts = [];
        this.len = 0;
        out.push(this.line(all, 0, all.length));
      }
      start = lf + 1;
    }
    return out;
  }

  /** The final line when the input did not end with LF. */
  end(): string | undefined {
    const skipping = this.skipping;
    this.skipping = false;
    if (skipping || this.len === 0) return undefined;
    const all = joined(this.parts, this.len);
    this.parts = [];
    this.len = 0;
    return this.line(all, 0, all.length);
  }

  private line(buf: Buffer, start: number, end: number): string {
    if (end > start && buf[end - 1] === CR) end--;
    if (end - start > this.max) this.oversize++;
    return decodeCut(buf, start, end, this.max);
  }

  private hold(buf: Buffer, start: number, end: number, out: string[]): void {
    if (this.skipping) return;
    // Copy: the caller may reuse its chunk buffer.
    this.parts.push(Buffer.from(buf.subarray(start, end)));
    this.len += end - start;
    // Cut as soon as the line is certainly too long (max + a possible CR), so memory stays bounded.
    const last = this.parts[this.parts.length - 1]!;
    if (this.len > this.max + 1 || (this.len === this.max + 1 && last[last.length - 1] !== CR)) {
      const all = joined(this.parts, this.len);
      this.parts = [];
      this.len = 0;
      this.oversize++;
      this.skipping = true;
      out.push(decodeCut(all, 0, all.length, this.max));
    }
  }
}

const LEN = 0, MSG = 1, RESYNC = 2;

/**
 * RFC 6587 §3.4.1 octet counting: "MSG-LEN SP SYSLOG-MSG", MSG-LEN in bytes. A bad length (non-digit,
 * leading zero, absurdly long) counts in `framingErrors` and the stream resynchronises after the next
 * LF, as rsyslog does. Frames longer than maxLength are cut, counted in `oversize`, and their remaining
 * bytes skipped exactly (the length says how many). Stray CR/LF between frames, which some senders
 * add, are ignored; one trailing LF (or CRLF) inside a frame is dropped for the same reason.
 */
export class OctetCountingFramer {
  framingErrors = 0;
  oversize = 0;
  private readonly max: number;
  private state = LEN;
  private want = 0;
  private digits = 0;
  private got = 0;
  private parts: Buffer[] = [];
  private kept = 0;

  constructor(opts?: FramerOptions) {
    this.max = maxOf(opts);
  }

  push(chunk: Buffer | string): string[] {
    const buf = toBuffer(chunk);
    const out: string[] = [];
    const n = buf.length;
    let i = 0;
    while (i < n) {
      if (this.state === LEN) {
        const c = buf[i]!;
        if (c >= 0x30 && c <= 0x39 && !(c === 0x30 && this.digits === 0) && this.digits < 9) {
          this.want = this.want * 10 + (c - 0x30);
          this.digits++;
          i++;
        } else if (c === SP && this.digits > 0) {
          this.state = MSG;
          this.got = 0;
          if (this.want > this.max) this.oversize++;
          i++;
        } else if ((c === LF || c === CR) && this.digits === 0) {
          i++;
        } else {
          this.framingErrors++;
          this.state = RESYNC;
          this.want = 0;
          this.digits = 0;
        }
      } else if (this.state === MSG) {
        const take = Math.min(this.want - this.got, n - i);
        // Keep one byte past max on oversize frames so the cut can back off to a character boundary.
        const keep = Math.min(take, this.max + 1 - this.kept);
        if (keep > 0) {
          if (keep === this.want && this.want <= this.max) {
            // Whole frame inside this chunk: decode straight from it.
            out.push(this.message(buf, i, i + keep));
            i += take;
            this.reset();
            continue;
          }
          this.parts.push(Buffer.from(buf.subarray(i, i + keep)));
          this.kept += keep;
        }
        this.got += take;
        i += take;
        if (this.got === this.want) {
          const all = joined(this.parts, this.kept);
          out.push(this.want > this.max ? decodeCut(all, 0, all.length, this.max) : this.message(all, 0, all.length));
          this.reset();
        }
      } else {
        const lf = buf.indexOf(LF, i);
        if (lf < 0) i = n;
        else {
          i = lf + 1;
          this.state = LEN;
        }
      }
    }
    return out;
  }

  /** End of stream: a frame left incomplete is a framing error and is dropped (a cut message could mislead). */
  end(): string[] {
    if ((this.state === LEN && this.digits > 0) || this.state === MSG) this.framingErrors++;
    this.reset();
    return [];
  }

  private message(buf: Buffer, start: number, end: number): string {
    if (end > start && buf[end - 1] === LF) {
      end--;
      if (end > start && buf[end - 1] === CR) end--;
    }
    return buf.toString('utf8', start, end);
  }

  private reset(): void {
    this.state = LEN;
    this.want = 0;
    this.digits = 0;
    this.got = 0;
    this.parts = [];
    this.kept = 0;
  }
}

/**
 * One TCP syslog connection: the first significant byte decides the framing for the whole connection,
 * as rsyslog and syslog-ng do: a digit means octet counting, anything else ('<' normally) LF framing.
 * Empty LF-framed messages are dropped.
 */
export class SyslogStreamFramer {
  mode: 'undecided' | 'octet-counting' | 'lf' = 'undecided';
  private readonly opts: FramerOptions | undefined;
  private octets: OctetCountingFramer | undefined;
  private lines: LineFramer | undefined;

  constructor(opts?: FramerOptions) {
    maxOf(opts);
    this.opts = opts;
  }

  get framingErrors(): number {
    return this.octets?.framingErrors ?? 0;
  }

  get oversize(): number {
    return (this.octets?.oversize ?? 0) + (this.lines?.oversize ?? 0);
  }

  push(chunk: Buffer | string): string[] {
    let buf = toBuffer(chunk);
    if (this.mode === 'undecided') {
      let i = 0;
      while (i < buf.length && (buf[i] === SP || buf[i] === LF || buf[i] === CR || buf[i] === TAB)) i++;
      if (i === buf.length) return [];
      buf = buf.subarray(i);
      const c = buf[0]!;
      if (c >= 0x30 && c <= 0x39) {
        this.mode = 'octet-counting';
        this.octets = new OctetCountingFramer(this.opts);
      } else {
        this.mode = 'lf';
        this.lines = new LineFramer(this.opts);
      }
    }
    if (this.octets) return this.octets.push(buf);
    return this.lines!.push(buf).filter((l) => l !== '');
  }

  end(): string[] {
    if (this.octets) return this.octets.end();
    const last = this.lines?.end();
    return last === undefined || last === '' ? [] : [last];
  }
}
