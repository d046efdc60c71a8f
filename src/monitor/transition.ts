/**
 * From what was last seen of an endpoint and what a probe found now: the new state, whether a
 * line is due, and which webhook events to send. Pure; the loop (monitor.ts) prints, posts and
 * saves.
 *
 * A change is a new status, a new reason code or a new set of warnings (by id: an expiry warning
 * that counts down one more day is not a change). Events:
 * - `failure`: from pass or warn (or from nothing: the first probe, with no state) to fail or
 *   unreachable;
 * - `recovery`: from fail or unreachable to pass or warn;
 * - `warning` / `warning-end`: a warning starts or ends while the endpoint passes before and after
 *   (a failure or recovery event carries the warnings of the moment instead).
 * fail <-> unreachable, or a new failure code, is a line but no event: the endpoint was already
 * reported as failing. Unchanged: nothing.
 */
import { WARNING_IDS, type MonitorStatus, type MonitorWarning, type ProbeOutcome } from './outcome.js';

/** What is kept of an endpoint between probes (and across restarts, in the state file). */
export interface EndpointState {
  status: MonitorStatus;
  code: string;
  reason: string;
  fix?: string;
  warnings: MonitorWarning[];
  /** ISO 8601: when this status, code and set of warnings was first seen. */
  since: string;
  /** ISO 8601: the last probe. */
  lastProbe: string;
  pinsSeen: string[];
}

/** The kinds of webhook event. */
export const EVENT_KINDS = ['failure', 'recovery', 'warning', 'warning-end'] as const;
/** One of {@link EVENT_KINDS}. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** One webhook event: its kind, and for `warning` / `warning-end` the warning that starts or ends. */
export interface MonitorEvent {
  event: EventKind;
  warning?: MonitorWarning;
}

/** What one probe changes. */
export interface Transition {
  next: EndpointState;
  /** A line is due: the first probe of this endpoint, or a change. */
  changed: boolean;
  /** The status before, when there was one. */
  previous?: MonitorStatus;
  events: MonitorEvent[];
}

/** Pass and warn: a correct client with the profile connects. */
export function isHealthy(status: MonitorStatus): boolean {
  return status === 'pass' || status === 'warn';
}

const ids = (warnings: readonly MonitorWarning[]) => warnings.map((w) => w.id).sort((a, b) => WARNING_IDS.indexOf(a) - WARNING_IDS.indexOf(b));

/** The next state, whether a line is due, and the events, from the last state (undefined: never probed) and a probe's outcome at `at`. */
export function transition(previous: EndpointState | undefined, outcome: ProbeOutcome, at: Date): Transition {
  const now = at.toISOString();
  const before = previous ? ids(previous.warnings) : [];
  const after = ids(outcome.warnings);
  const changed = !previous || previous.status !== outcome.status || previous.code !== outcome.code || before.join() !== after.join();
  const next: EndpointState = {
    status: outcome.status,
    code: outcome.code,
    reason: outcome.reason,
    ...(outcome.fix === undefined ? {} : { fix: outcome.fix }),
    warnings: outcome.warnings,
    since: changed || !previous ? now : previous.since,
    lastProbe: now,
    pinsSeen: outcome.pinsSeen,
  };
  const events: MonitorEvent[] = [];
  const healthy = isHealthy(outcome.status);
  if (!previous || isHealthy(previous.status)) {
    if (!healthy) events.push({ event: 'failure' });
    else {
      const started = outcome.warnings.filter((w) => !before.includes(w.id));
      const ended = (previous?.warnings ?? []).filter((w) => !after.includes(w.id));
      events.push(...started.map((warning) => ({ event: 'warning' as const, warning })), ...ended.map((warning) => ({ event: 'warning-end' as const, warning })));
    }
  } else if (healthy) events.push({ event: 'recovery' });
  return { next, changed, ...(previous ? { previous: previous.status } : {}), events };
}

