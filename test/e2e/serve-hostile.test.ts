/**
 * `pinprick serve` against hostile peers (issue 15): a real serve process, real clients (Node's
 * tls and http, curl), on 127.0.0.1 only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));

/** A TLS client whose SNI is `servername`, as sent (Node passes it to OpenSSL untouched); resolves when the connection ends. */
function tlsWithSni(port: number, servername: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: true });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

describe('pinprick serve against hostile peers (issue 15)', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const stateDir = join(tmp.path, 'state');
  let child: ChildProcess;
  let stdout = '';
  let ports: { proxy: number; tls: number; control: number; token: string };

  /** Wait (bounded) until stdout matches. */
  async function until(re: RegExp, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!re.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  }

  beforeAll(async () => {
    await openWorld({ certsDir });
    mkdirSync(stateDir);
    child = spawn(process.execPath, [BIN, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', join(tmp.path, 'verdicts.jsonl'), '--grace', '500'], {
      env: { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', TMPDIR: stateDir },
    });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stdout += d));
    await until(/token: \S+/, 20_000);
    ports = {
      proxy: Number(/HTTP proxy:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
      tls: Number(/direct TLS:\s+127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
      control: Number(/control API: http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)![1]),
      token: /token: (\S+)/.exec(stdout)![1]!,
    };
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    tmp.cleanup();
  });

  it('finding 3: an SNI with CR LF and an OSC sequence is one escaped console line, not a forged verdict nor a window title', async () => {
    const before = stdout.length;
    const forged = 'evil.test\r\n12:00:00.000 #99 accepted                 control-genuine  api.pinprick.test  GET / HTTP/1.1\x1b]0;title\x07';
    await tlsWithSni(ports.tls, forged);
    await until(/evil\.test\\x0D\\x0A/);
    const lines = stdout.slice(before).split('\n').filter(Boolean);
    // One connection, one line: the forged "#99 accepted" is inside it, escaped.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} #\d+ rejected +control-genuine {2}evil\.test\\x0D\\x0A12:00:00\.000 #99 accepted .*GET \/ HTTP\/1\.1\\x1B\]0;title\\x07 {2}/);
    expect(stdout.slice(before)).not.toMatch(/[\x1b\x07\r]/);
  });
});
