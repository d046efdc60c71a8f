import { printable } from '../printable.js';
import type { ControlStatus } from '../proxy/control.js';
import { VERDICT_KINDS } from '../proxy/connection-record.js';

/** `host` as it goes before `:port` (IPv6 in brackets). */
function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What a correct client does on each host, hosts with the same answer together: `accepts (ok) on a, b; rejects (pin-mismatch) on c`. */
function expectedText(expected: NonNullable<ControlStatus['scenario']['expected']>): string {
  const groups = new Map<string, string[]>();
  for (const [host, e] of Object.entries(expected)) {
    const answer = `${e.verdict}s (${e.code})`;
    groups.set(answer, [...(groups.get(answer) ?? []), host]);
  }
  return [...groups].map(([answer, hosts]) => `${answer} on ${hosts.join(', ')}`).join('; ');
}

/** One log's line: its path and whether its writes succeed (else since when, why, and what was lost). */
function logText(log: ControlStatus['logs'][number]): string {
  if (log.ok || !log.failure) return `${log.path}: ok`;
  const f = log.failure;
  return `${log.path}: WRITES FAIL since ${f.since}: ${f.error} (${f.lost} record${f.lost === 1 ? '' : 's'} lost; recent ones are kept in memory)`;
}

/**
 * `pinprick status` as text: a running serve's `GET /status` (fetched from `url`) as one line per
 * fact: the scenario, the profile and what a correct client does, every address, the counts (by
 * kind, mismatches with a profile, pin reports) and the health of each log. Control and bidi
 * characters in it are shown escaped.
 */
export function statusText(status: ControlStatus, url: string): string {
  const { listen } = status;
  const line = (label: string, text: string) => `  ${`${label}:`.padEnd(13)}${text}`;
  const s = status.scenario;
  const byKind = VERDICT_KINDS.filter((k) => status.verdictsByKind[k]).map((k) => `${k} ${status.verdictsByKind[k]}`);
  const lines = [
    `pinprick serve at ${url}, world ${status.world}`,
    line('scenario', `${s.id} (${s.title}) for ${s.hosts.join(', ')}`),
    line('profile', status.profile === undefined ? 'none (serve --profile NAME shows what a correct client does, and mismatches)' : `${status.profile}${s.expected ? `: a correct client ${expectedText(s.expected)}` : ''}`),
    line('HTTP proxy', `http://${authority(listen.host, listen.proxyPort)}   (CONNECT and plain HTTP)`),
    line('direct TLS', authority(listen.host, listen.tlsPort)),
    line('control API', `http://${authority(listen.controlHost, listen.controlPort)}`),
    line('connections', `${status.connections.open} open, ${status.connections.accepted} in all (at most ${status.connections.max} open)`),
    line('verdicts', `${status.verdicts}${byKind.length ? ` (${byKind.join(', ')})` : ''}`),
    ...(status.mismatches !== undefined ? [line('mismatches', String(status.mismatches))] : []),
    line('pin reports', String(status.reports)),
  ];
  if (!status.logs.length) lines.push(line('logs', 'none'));
  for (const log of status.logs) lines.push(line(log.of === 'verdicts' ? 'verdict log' : 'report log', logText(log)));
  // The text is whatever answered at the control URL: each line is escaped as peer text (src/printable.ts), uncut.
  return lines.map((l) => printable(l, { max: Infinity })).join('\n');
}
