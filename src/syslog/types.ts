import type { ResolvedTime } from '../time/types.ts';

/** What a syslog header told us (RFC 3164 or RFC 5424). */
export interface SyslogHeader {
  format: 'rfc3164' | 'rfc5424';
  facility?: number;
  severity?: number;
  /** Header time stamp, resolved through the source's clock. Absent when the header had none. */
  stamp?: ResolvedTime;
  /** Absent when the writer omitted it (programs writing their own log files do). */
  hostname?: string;
  /** Tag / APP-NAME, e.g. "dnsmasq-dhcp". */
  app?: string;
  pid?: string;
  /** RFC 5424 MSGID. */
  msgId?: string;
  /** RFC 5424 STRUCTURED-DATA, verbatim ("-" when none). */
  structuredData?: string;
}

/** A message as handed to a parser: the raw text and, when a syslog header was recognised, its parts. */
export interface Message {
  /** Exactly as received: the whole line (or block) including any syslog header. */
  raw: string;
  /** The part after the syslog header (equal to `raw` when there was no header). */
  body: string;
  header?: SyslogHeader;
}
