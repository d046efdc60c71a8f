/**
 * How a probe's outcome is written: one text line, one JSON record (`--json`), one webhook body.
 * Pure. Reasons quote what the server sent (certificate subjects) and what the network said:
 * every line goes through the one escaper (src/printable.ts).
 */
import { printable } from '../printable.js';
import { endpointLabel, type Endpoint } from './endpoints.js';
import type { MonitorStatus, MonitorWarning, ProbeOutcome } from './outcome.js';
import type { MonitorEvent } from './transition.js';

/** Longest text line: a reason and a fix that name keys and subjects, bounded all the same. */
export const MAX_LINE = 4096;

/** One endpoint's outcome as a record: the `--json` line, and the core of a webhook body. */
export interface OutcomeRecord {
  /** ISO 8601 time of the probe. */
  time: string;
  /** `host:port` and ` sni=NAME` when one is sent: the endpoint's name in the state file. */
  endpoint: string;
  host: string;
  port: number;
  sni: string | null;
  status: MonitorStatus;
  /** The status at the previous probe (or in the state file); null for the first. */
  previousStatus: MonitorStatus | null;
  /** The model's reason code, or `unreachable`. */
  code: string;
  reason: string;
  fix: string | null;
  warnings: MonitorWarning[];
  /** `sha256/B64` pins of the certificates the server sent, in the order sent. */
  pinsSeen: string[];
}

/** The record of an outcome. */
export function outcomeRecord(endpoint: Endpoint, outcome: ProbeOutcome, previous: MonitorStatus | undefined, at: Date): OutcomeRecord {
  return {
    time: at.toISOString(),
    endpoint: endpointLabel(endpoint),
    host: endpoint.host,
    port: endpoint.port,
    sni: endpoint.sni ?? null,
    status: outcome.status,
    previousStatus: previous ?? null,
    code: outcome.code,
    reason: outcome.reason,
    fix: outcome.fix ?? null,
    warnings: outcome.warnings,
    pinsSeen: outcome.pinsSeen,
  };
}

/**
 * One line: `[TIME ]STATUS ENDPOINT[ (was STATUS)]: code: reason[ (fix: ...)]`, then
 * `; warning ID: message (fix: ...)` per warning. `time` only in the long-running mode (cron and CI
 * logs stamp lines themselves); `was` only when the status changed.
 */
export function outcomeLine(record: OutcomeRecord, options: { time?: boolean } = {}): string {
  const was = record.previousStatus && record.previousStatus !== record.status ? ` (was ${record.previousStatus.toUpperCase()})` : '';
  let line = `${options.time ? `${record.time} ` : ''}${record.status.toUpperCase()} ${record.endpoint}${was}: ${record.code}: ${record.reason}`;
  if (record.fix !== null) line += ` (fix: ${record.fix})`;
  for (const w of record.warnings) line += `; warning ${w.id}: ${w.message} (fix: ${w.fix})`;
  return printable(line, { max: MAX_LINE });
}

/** What `--webhook` receives (README "Monitoring" documents each field). */
export interface WebhookBody extends OutcomeRecord {
  /** `failure`, `recovery`, `warning` or `warning-end`. */
  event: MonitorEvent['event'];
  /** For `warning` and `warning-end`: the warning that starts or ends. */
  warning: MonitorWarning | null;
  /** The profile's id (a shipped id, or the file's name). */
  profile: string;
  /** pinprick's version (package.json). */
  pinprick: string;
}

/** The body of one webhook event. */
export function webhookBody(record: OutcomeRecord, event: MonitorEvent, meta: { profile: string; version: string }): WebhookBody {
  return { event: event.event, ...record, warning: event.warning ?? null, profile: meta.profile, pinprick: meta.version };
}
