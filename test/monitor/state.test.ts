/** The monitor's state file: read back what was written; refuse, in one line, anything else. */
import { lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseState, readState, stateText, writeState, type MonitorState } from '../../src/monitor/state.js';
import { tempDir } from '../helpers/tmp.js';

const STATE: MonitorState = {
  profile: 'intermediate-backup',
  endpoints: {
    '127.0.0.1:8443 sni=api.pinprick.test': {
      status: 'warn',
      code: 'ok',
      reason: 'The chain validates.',
      warnings: [{ id: 'expiry', message: 'm', fix: 'f' }],
      since: '2026-03-01T12:00:00.000Z',
      lastProbe: '2026-03-01T12:15:00.000Z',
      pinsSeen: ['sha256/AAAA'],
    },
    'api.example.com:443': { status: 'fail', code: 'pin-mismatch', reason: 'r', fix: 'x', warnings: [], since: 's', lastProbe: 'l', pinsSeen: [] },
  },
};

describe('monitor state', () => {
  const tmp = tempDir('pinprick-monitor-state-');
  afterAll(() => tmp.cleanup());

  it('reads back what it writes', () => {
    expect(parseState('s.json', stateText(STATE))).toEqual(STATE);
  });

  const entry = (more: Record<string, unknown>) => JSON.stringify({ format: 'pinprick-monitor-state', version: 1, endpoints: { 'a:443': { ...STATE.endpoints['api.example.com:443'], ...more } } });
  const AFTER = '; remove it to start afresh (every failing endpoint will alert again), or give another --state';
  it.each([
    ['{"format": "pinprick-monitor-state", ', 's.json: not a pinprick monitor state file (not JSON)' + AFTER],
    ['line one\nline two', 's.json: not a pinprick monitor state file (not JSON)' + AFTER],
    ['[]', 's.json: not a pinprick monitor state file (no "format": "pinprick-monitor-state")' + AFTER],
    ['{"endpoints": {}}', 's.json: not a pinprick monitor state file (no "format": "pinprick-monitor-state")' + AFTER],
    ['{"format": "pinprick-monitor-state", "version": 2, "endpoints": {}}', 's.json: state version 2, this pinprick reads version 1' + AFTER],
    ['{"format": "pinprick-monitor-state", "version": 1, "endpoints": []}', 's.json: "endpoints" is not an object' + AFTER],
    [entry({ status: 'ok' }), 's.json: endpoint "a:443": status "ok" is not one of pass, warn, fail, unreachable' + AFTER],
    [entry({ reason: 7 }), 's.json: endpoint "a:443": reason is not a string' + AFTER],
    [entry({ fix: null }), 's.json: endpoint "a:443": fix is not a string' + AFTER],
    [entry({ pinsSeen: [1] }), 's.json: endpoint "a:443": pinsSeen is not a list of strings' + AFTER],
    [entry({ warnings: [{ id: 'soon', message: 'm', fix: 'f' }] }), 's.json: endpoint "a:443": a warning is not {id (expiry, unpinned-host, report-only, pins-expired), message, fix}' + AFTER],
  ])('refuses %s', (text, message) => {
    expect(() => parseState('s.json', text)).toThrow(message);
  });

  it('no file yet: a fresh start', () => {
    expect(readState(join(tmp.path, 'none.json'))).toEqual({ endpoints: {} });
  });

  it('writes mode 0600, making the folder, and reads it back', () => {
    const file = join(tmp.path, 'reports', 'monitor-state.json');
    writeState(file, STATE);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(readState(file)).toEqual(STATE);
    expect(readFileSync(file, 'utf8')).toMatch(/^\{\n {2}"format": "pinprick-monitor-state",\n {2}"version": 1,/);
  });

  it('a file that is not ours is refused, and left as it is', () => {
    const file = join(tmp.path, 'notes.txt');
    writeFileSync(file, 'my notes\n');
    expect(() => readState(file)).toThrow(`${file}: not a pinprick monitor state file (not JSON);`);
    expect(readFileSync(file, 'utf8')).toBe('my notes\n');
  });

  it('a folder, or a place that cannot be written: one line', () => {
    const dir = join(tmp.path, 'a-folder');
    mkdirSync(dir);
    expect(() => readState(dir)).toThrow(`${dir}: cannot read the monitor state (EISDIR)`);
    expect(() => writeState(join(dir), STATE)).toThrow(`${dir}: cannot write the monitor state (`);
  });
});
