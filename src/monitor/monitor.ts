/**
 * `pinprick monitor`'s loop, at the edge: probe every endpoint, turn each outcome into a
 * transition from the last state (transition.ts), print, post webhook events, save the state;
 * then wait for the next round. Timers, sockets and files are here; every decision is in the pure
 * modules beside it. The caller (src/cli) owns argv, the console and signals: it hands in `say`,
 * `report` and an AbortSignal.
 */
import { jsonLine } from '../printable.js';
import { endpointLabel, type Endpoint } from './endpoints.js';
import { outcomeLine, outcomeRecord, webhookBody } from './lines.js';
import { isHealthy, transition } from './transition.js';
import type { ProbeOutcome } from './outcome.js';
import { readState, writeState, type MonitorState } from './state.js';
import { deliver, sleep, webhookName, type DeliveryOptions } from './webhook.js';

/** Endpoints probed at once: enough for a fleet, few enough not to look like a scan. */
export const PROBE_CONCURRENCY = 8;

/** What one monitor run needs. */
export interface MonitorOptions {
  endpoints: readonly Endpoint[];
  /** Probe one endpoint (probe.ts `probeEndpoint` with its context; tests may pass another). */
  probe: (endpoint: Endpoint) => Promise<{ outcome: ProbeOutcome; at: Date }>;
  stateFile: string;
  /** The profile's id, for the state file and webhook bodies. */
  profile: string;
  /** Probe once, print every endpoint, wait for the webhook deliveries, and return. */
  once: boolean;
  intervalMs: number;
  /** Stop after this many rounds (each probes every endpoint once). */
  maxProbes?: number;
  webhook?: { url: URL; delivery: DeliveryOptions };
  /** pinprick's version, in webhook bodies and the User-Agent. */
  version: string;
  /** One JSON object per line instead of text. */
  json: boolean;
  /** A line of output (stdout). */
  say: (line: string) => void;
  /** A problem that is not fatal: a webhook not delivered, a state not saved (stderr). */
  report: (line: string) => void;
  /** Aborts at SIGINT / SIGTERM: the round under way is dropped, the state kept as last saved. */
  signal: AbortSignal;
}

/** How a run ended. */
export interface MonitorSummary {
  rounds: number;
  /** Endpoints that were failing or unreachable at the last complete round. */
  failing: number;
}

/** Map with at most `limit` calls at once, results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Run the monitor. Reads the state first (a bad one throws, before any probe) and writes it back
 * at once (a place that cannot be written throws too); after that nothing is fatal: a webhook that
 * fails and a state that cannot be saved are reported and the monitor goes on.
 */
export async function runMonitor(options: MonitorOptions): Promise<MonitorSummary> {
  const { endpoints, stateFile, signal } = options;
  const state: MonitorState = readState(stateFile);
  state.profile = options.profile;
  writeState(stateFile, state);

  let deliveries: Promise<void> = Promise.resolve();
  const post = (body: ReturnType<typeof webhookBody>) => {
    const webhook = options.webhook;
    if (!webhook) return;
    const text = JSON.stringify(body);
    // One at a time, in order: a recovery never overtakes its failure.
    deliveries = deliveries.then(async () => {
      const result = await deliver(webhook.url, text, { ...webhook.delivery, userAgent: `pinprick/${options.version}`, signal });
      if (!result.delivered) {
        options.report(`webhook ${webhookName(webhook.url)}: ${body.event} event for ${body.endpoint} not delivered after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}: ${result.error}`);
      }
    });
  };

  let saveFailed = false;
  const save = () => {
    try {
      writeState(stateFile, state);
      saveFailed = false;
    } catch (err) {
      // Once per run of failures: the next save that works clears it.
      if (!saveFailed) options.report(`${(err as Error).message}; monitoring goes on, but a restart may alert again`);
      saveFailed = true;
    }
  };

  let rounds = 0;
  let failing = 0;
  while (!signal.aborted) {
    const started = Date.now();
    const probed = await mapLimit(endpoints, PROBE_CONCURRENCY, options.probe);
    // A stop during the round: its outcomes are those of sockets destroyed under it.
    if (signal.aborted) break;
    rounds++;
    failing = 0;
    endpoints.forEach((endpoint, i) => {
      const { outcome, at } = probed[i]!;
      const label = endpointLabel(endpoint);
      const t = transition(state.endpoints[label], outcome, at);
      state.endpoints[label] = t.next;
      if (!isHealthy(outcome.status)) failing++;
      const record = outcomeRecord(endpoint, outcome, t.previous, at);
      if (options.once || t.changed) options.say(options.json ? jsonLine(record) : outcomeLine(record, { time: !options.once }));
      for (const event of t.events) post(webhookBody(record, event, { profile: options.profile, version: options.version }));
    });
    save();
    if (options.once || (options.maxProbes !== undefined && rounds >= options.maxProbes)) break;
    await sleep(Math.max(0, options.intervalMs - (Date.now() - started)), signal);
  }
  await deliveries;
  return { rounds, failing };
}
