/** Webhook delivery: the pure parts by table, then real POSTs to a receiver on 127.0.0.1. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelays, deliver, isRetryable, MAX_BACKOFF_MS, parseWebhookUrl, webhookName } from '../../src/monitor/webhook.js';

describe('webhook, pure parts', () => {
  it.each([
    [{ retries: 0, backoffMs: 1000 }, []],
    [{ retries: 3, backoffMs: 1000 }, [1000, 2000, 4000]],
    [{ retries: 4, backoffMs: 100 }, [100, 200, 400, 800]],
    [{ retries: 10, backoffMs: 1000 }, [1000, 2000, 4000, 8000, 16000, 32000, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS]],
  ])('backoffDelays(%j)', (options, waits) => {
    expect(backoffDelays(options)).toEqual(waits);
  });

  it.each([
    [{ error: 'connect ECONNREFUSED' }, true],
    [{ error: 'timed out after 100 ms' }, true],
    [{ status: 500 }, true],
    [{ status: 503 }, true],
    [{ status: 429 }, true],
    [{ status: 408 }, true],
    [{ status: 400 }, false],
    [{ status: 401 }, false],
    [{ status: 404 }, false],
    [{ status: 301 }, false],
  ])('isRetryable(%j) is %s', (result, retry) => {
    expect(isRetryable(result)).toBe(retry);
  });

  it.each([
    ['http://127.0.0.1:9000/hook', 'http://127.0.0.1:9000'],
    ['https://hooks.slack.com/services/T000/B000/SECRET', 'https://hooks.slack.com'],
  ])('accepts %s, and names it by its origin only (%s)', (text, name) => {
    expect(webhookName(parseWebhookUrl(text))).toBe(name);
  });

  it.each([
    ['not a url', "--webhook 'not a url': not a URL (expected http://... or https://...)"],
    ['file:///etc/passwd', "--webhook 'file://…': only http and https URLs are posted to"],
    ['ftp://example.com/x', "--webhook 'ftp://…': only http and https URLs are posted to"],
  ])('refuses %s in one line', (text, message) => {
    expect(() => parseWebhookUrl(text)).toThrow(message);
  });
});

describe('deliver, to a receiver on 127.0.0.1', () => {
  let server: Server;
  let base: string;
  /** Per path: the statuses to answer in turn (the last repeats); `hang` never answers. */
  const plans: Record<string, (number | 'hang')[]> = { '/ok': [204], '/flaky': [500, 503, 200], '/gone': [404], '/down': [502], '/slow': ['hang'] };
  const received: Record<string, { body: string; type?: string }[]> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const list = (received[req.url!] ??= []);
        list.push({ body, type: req.headers['content-type'] });
        const plan = plans[req.url!] ?? [404];
        const answer = plan[Math.min(list.length - 1, plan.length - 1)]!;
        if (answer !== 'hang') res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const options = { retries: 3, timeoutMs: 500, backoffMs: 20, userAgent: 'pinprick/test' };

  it('a 2xx delivers at once, as JSON', async () => {
    expect(await deliver(new URL(`${base}/ok`), '{"event":"failure"}', options)).toEqual({ delivered: true, attempts: 1 });
    expect(received['/ok']).toEqual([{ body: '{"event":"failure"}', type: 'application/json' }]);
  });

  it('5xx answers are retried until one delivers', async () => {
    expect(await deliver(new URL(`${base}/flaky`), '{}', options)).toEqual({ delivered: true, attempts: 3 });
  });

  it('a 404 is not retried', async () => {
    expect(await deliver(new URL(`${base}/gone`), '{}', options)).toEqual({ delivered: false, attempts: 1, error: 'HTTP 404' });
  });

  it('a receiver that keeps failing: 1 + retries attempts, then the last error', async () => {
    expect(await deliver(new URL(`${base}/down`), '{}', options)).toEqual({ delivered: false, attempts: 4, error: 'HTTP 502' });
    expect(received['/down']).toHaveLength(4);
  });

  it('a receiver that never answers: each attempt times out', async () => {
    const started = Date.now();
    expect(await deliver(new URL(`${base}/slow`), '{}', { ...options, retries: 1, timeoutMs: 200 })).toEqual({ delivered: false, attempts: 2, error: 'timed out after 200 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('nothing listening: a connection error, retried', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    expect(await deliver(new URL(`http://127.0.0.1:${port}/hook`), '{}', { ...options, retries: 2 })).toEqual({ delivered: false, attempts: 3, error: 'connect ECONNREFUSED' });
  });

  it('a stop (abort) ends the retries', async () => {
    const stop = new AbortController();
    const delivery = deliver(new URL(`${base}/down`), '{}', { ...options, backoffMs: 5_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 100);
    const started = Date.now();
    expect(await delivery).toEqual({ delivered: false, attempts: 1, error: 'HTTP 502; stopped before the next retry' });
    expect(Date.now() - started).toBeLessThan(1_000);
    stop.abort();
    expect(await deliver(new URL(`${base}/ok`), '{}', { ...options, signal: stop.signal })).toEqual({ delivered: false, attempts: 0, error: 'stopped before the first attempt' });
  });
});
