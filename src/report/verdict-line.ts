import { printable } from '../printable.js';
import type { PinReport } from '../proxy/pin-reports.js';
import type { ConnectionVerdict } from '../proxy/connection-record.js';

const COLORS: Record<ConnectionVerdict['kind'], string> = {
  accepted: '\x1b[32m',
  rejected: '\x1b[31m',
  'rejected-after-handshake': '\x1b[33m',
  'not-tls': '\x1b[35m',
  timeout: '\x1b[90m',
  tunnelled: '\x1b[90m',
  'upstream-failed': '\x1b[90m',
  'plain-http': '\x1b[90m',
  malformed: '\x1b[35m',
  closed: '\x1b[90m',
  dropped: '\x1b[31m',
};

/** The mark of a record whose client did what a correct client does not: bold red. */
const MISMATCH_COLOR = '\x1b[1;31m';

/** The detail of a record can quote the peer (a request line, a reason): longer than a host name, still bounded. */
const DETAIL_MAX = 512;

/**
 * One console line per verdict: time, kind, scenario, SNI, alert or request line, TLS details;
 * with `serve --profile`, what a correct client does, and a record whose client did otherwise
 * starts with MISMATCH and ends saying what was expected and what was observed. Every field a
 * peer chooses (SNI, CONNECT target, request line, detail, ALPN) goes through {@link printable}:
 * one record is one line, and nothing in it acts on the terminal.
 */
export function verdictLine(v: ConnectionVerdict, options: { color?: boolean } = {}): string {
  const kind = v.kind.padEnd(24);
  const what = v.alert ? `alert ${v.alert.name} (${v.alert.code})` : printable(v.requestLine ?? v.detail, { max: DETAIL_MAX });
  const tls = printable([v.tlsVersion, v.cipher, v.alpn].filter(Boolean).join(' '));
  const text = `${v.time.slice(11, 23)} #${v.id} ${options.color ? `${COLORS[v.kind]}${kind}\x1b[0m` : kind} ${v.scenario ?? '-'}  ${printable(v.sni ?? v.target ?? '(no SNI)')}  ${what}${tls ? `  [${tls}]` : ''}  from ${v.client.address}:${v.client.port}`;
  const e = v.expected;
  if (!e) return text;
  if (!v.mismatch) return `${text}  (a correct ${e.profile} client: ${e.verdict}, ${e.code})`;
  const mark = options.color ? `${MISMATCH_COLOR}MISMATCH\x1b[0m` : 'MISMATCH';
  const why = `expected ${e.verdict} (${e.code}) for a correct ${e.profile} client, observed ${v.kind}`;
  return `${mark} ${text}  ${options.color ? `${MISMATCH_COLOR}${why}\x1b[0m` : why}`;
}

/**
 * One console line per pin-failure report: format, host, result, the client's pins, where it was
 * sent; a report a web page sent (an `Origin`) says so at the end, since it may be forged. Every
 * field the sender chose is escaped.
 */
export function pinReportLine(r: PinReport): string {
  const about = r.hostname ? `${printable(r.hostname)}${r.port ? `:${r.port}` : ''}` : '(no hostname)';
  // At most 8 pins of 12 characters each: a report can list thousands.
  const shown = r.knownPins?.slice(0, 8).map((p) => printable(p.slice(0, 12)) + '…');
  const more = r.knownPins && r.knownPins.length > 8 ? ` (+${r.knownPins.length - 8})` : '';
  const pins = shown ? `  known pins: ${shown.join(' ')}${more}` : '';
  const page = r.fromWebPage ? `  sent by a web page at ${printable(r.origin ?? '')}: may be forged` : '';
  return `${r.receivedAt.slice(11, 23)} report #${r.id} ${r.format.padEnd(8)} ${r.scenario}  ${about}${r.validationResult ? `  ${printable(r.validationResult)}` : ''}${pins}  -> ${printable(r.url, { max: DETAIL_MAX })}${page}`;
}
