/**
 * `--webhook URL`: each event is POSTed as one JSON body (lines.ts `WebhookBody`), retried with
 * exponential backoff when the receiver may recover (no answer, a timeout, 408, 429, 5xx), never
 * when it said no (another 4xx, a redirect). A webhook that fails is reported by the caller, once
 * per event, and is never fatal: monitoring goes on.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InputError } from '../errors.js';

/** How deliveries are retried. */
export interface DeliveryOptions {
  /** Attempts after the first (0: one attempt). */
  retries: number;
  /** Deadline of each attempt, from the request to the end of the answer. */
  timeoutMs: number;
  /** Wait before the first retry; each further retry waits twice as long, up to {@link MAX_BACKOFF_MS}. */
  backoffMs: number;
}

/** Default retries: with a 1 s first wait, the last attempt comes 7 s after the first failure (1 + 2 + 4). */
export const DEFAULT_DELIVERY: DeliveryOptions = { retries: 3, timeoutMs: 10_000, backoffMs: 1_000 };
/** Most attempts after the first: a receiver down for longer is an outage of its own, reported. */
export const MAX_RETRIES = 10;
/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 60_000;

/** The URL of `--webhook`: http or https only (a file: or data: URL would not be a receiver). */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`--webhook '${text}': not a URL (expected http://... or https://...)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`--webhook '${url.protocol}//…': only http and https URLs are posted to`);
  return url;
}

/**
 * How a webhook is named on the console: its origin only. Receivers such as Slack's incoming
 * webhooks carry their secret in the path, and the console ends up in CI logs.
 */
export function webhookName(url: URL): string {
  return url.origin;
}

/** The waits before each retry: `backoffMs`, doubled each time, capped at {@link MAX_BACKOFF_MS}. Pure. */
export function backoffDelays(options: Pick<DeliveryOptions, 'retries' | 'backoffMs'>): number[] {
  return Array.from({ length: options.retries }, (_, i) => Math.min(options.backoffMs * 2 ** i, MAX_BACKOFF_MS));
}

/** One attempt's result: an HTTP status, or no answer (`error`). */
export type AttemptResult = { status: number } | { error: string };

/**
 * Whether an attempt that did not deliver is worth repeating: no answer or a timeout, 408
 * (Request Timeout), 429 (Too Many Requests) and 5xx may pass (RFC 9110 section 15.6: server
 * errors; RFC 6585 section 4); any other answer would be the same next time. Pure.
 */
export function isRetryable(result: AttemptResult): boolean {
  if ('error' in result) return true;
  return result.status === 408 || result.status === 429 || result.status >= 500;
}

/** What happened to one event. */
export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** Why the last attempt did not deliver: `HTTP 500`, `timed out after 10000 ms`, `connect ECONNREFUSED`. */
  error?: string;
}

/** POST `body` as JSON; resolves with the answer's status, or the error that left none. Never rejects. */
export function postJson(url: URL, body: string, timeoutMs: number, userAgent: string): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let done = false;
    const finish = (r: AttemptResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': userAgent } }, (res: IncomingMessage) => {
      // The answer's body is not used: read it to its end, then settle on the status.
      res.resume();
      res.on('end', () => finish({ status: res.statusCode ?? 0 }));
      res.on('error', (err) => finish({ error: shortError(err) }));
    });
    const timer = setTimeout(() => finish({ error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    req.on('error', (err) => finish({ error: shortError(err) }));
    req.end(body);
  });
}

function shortError(err: Error): string {
  const { code, syscall } = err as NodeJS.ErrnoException;
  return code ? `${syscall ?? 'request'} ${code}` : err.message || String(err);
}

/** Wait `ms`, or less when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Deliver one body: the first attempt, then a retry after each of {@link backoffDelays} while the
 * failure {@link isRetryable}. Once `signal` aborts (the monitor stops), the attempt under way
 * ends on its own deadline and no further one starts.
 */
export async function deliver(url: URL, body: string, options: DeliveryOptions & { userAgent: string; signal?: AbortSignal }): Promise<DeliveryResult> {
  const waits = backoffDelays(options);
  let attempts = 0;
  for (;;) {
    if (options.signal?.aborted) return { delivered: false, attempts, error: attempts ? 'stopped before the next retry' : 'stopped before the first attempt' };
    const result = await postJson(url, body, options.timeoutMs, options.userAgent);
    attempts++;
    if ('status' in result && result.status >= 200 && result.status < 300) return { delivered: true, attempts };
    const error = 'status' in result ? `HTTP ${result.status}` : result.error;
    const wait = waits[attempts - 1];
    if (wait === undefined || !isRetryable(result)) return { delivered: false, attempts, error };
    await sleep(wait, options.signal);
    if (options.signal?.aborted) return { delivered: false, attempts, error: `${error}; stopped before the next retry` };
  }
}
