/**
 * Issue 15, finding 2: `pinprick run` kept its per-scenario trust files ({cafile}) in
 * /tmp/pinprick-run-<pid>, made with mkdir -p: a folder of that name someone else made was used
 * (and symlinks in it followed), and it was never removed. Now a fresh private folder (mkdtemp,
 * 0700) per run, removed at the end (on an error and on SIGINT/SIGTERM too) unless --keep-work.
 * Each test gives the CLI its own TMPDIR.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));

describe('pinprick run: its work folder is private, fresh, and removed at the end', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let n = 0;
  const fresh = () => {
    const dir = join(tmp.path, `t${n++}`);
    mkdirSync(dir);
    return dir;
  };
  const runFolders = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('pinprick-run-'));
  /** A real curl, and a line about the folder {cafile} is in, as the client sees it. */
  const client = (log: string) =>
    `curl -sS --max-time 10 --proxy {proxy} --cacert {cafile} --capath /nonexistent {url}; stat -c '%n %a %u %F' "$(dirname "$PINPRICK_CAFILE")" "$PINPRICK_CAFILE" >> ${log}`;

  beforeAll(async () => {
    await openWorld({ certsDir });
  });
  afterAll(() => tmp.cleanup());

  it('a folder it made itself (mkdtemp: a random name, mode 0700, ours), gone when the run ends', async () => {
    const tmpdir = fresh();
    const log = join(tmp.path, `log${n++}`);
    const r = await runCli(['run', '--client', client(log), '--scenarios', 'control-genuine', '--grace', '500', '--report', join(tmp.path, `r${n++}`)], {
      certsDir,
      env: { TMPDIR: tmpdir },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    const folders = new Set(lines.filter((l) => l.endsWith(' directory')).map((l) => l.split(' ')[0]));
    expect(folders.size).toBe(1);
    const [folder] = [...folders];
    expect(folder).toMatch(new RegExp(`^${tmpdir}/pinprick-run-[A-Za-z0-9]{6}$`));
    expect(lines).toContain(`${folder} 700 ${process.getuid!()} directory`);
    // One trust file per scenario (calibration first), each a regular file in that folder.
    expect(lines.filter((x) => !x.endsWith(' directory')).map((x) => x.split(' ')[0])).toEqual([`${folder}/calibration-canary.ca.pem`, `${folder}/control-genuine.ca.pem`]);
    expect(lines.filter((x) => !x.endsWith(' directory')).every((x) => x.endsWith(' regular file'))).toBe(true);
    expect(existsSync(folder!)).toBe(false);
    expect(runFolders(tmpdir)).toEqual([]);
  }, 90_000);

  it('--keep-work keeps it and says where it is', async () => {
    const tmpdir = fresh();
    const r = await runCli(['run', '--client', 'true', '--scenarios', 'control-genuine', '--grace', '200', '--keep-work', '--report', join(tmp.path, `r${n++}`)], {
      certsDir,
      env: { TMPDIR: tmpdir },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(3);
    const kept = runFolders(tmpdir);
    expect(kept).toHaveLength(1);
    const folder = join(tmpdir, kept[0]!);
    expect(r.stdout).toContain(`work folder kept (--keep-work): ${folder}`);
    expect(lstatSync(folder).mode & 0o7777).toBe(0o700);
    expect(readdirSync(folder).sort()).toEqual(['calibration-canary.ca.pem', 'calibration-canary.profile.json', 'control-genuine.ca.pem', 'control-genuine.profile.json']);
  }, 90_000);

  it.each(['SIGINT', 'SIGTERM'] as const)('removed when the run is stopped with %s while a client runs', async (signal) => {
    const tmpdir = fresh();
    const marker = join(tmp.path, `started${n++}`);
    const child = spawn(process.execPath, [BIN, 'run', '--client', `echo started > ${marker}; sleep 3`, '--scenarios', 'control-genuine', '--report', join(tmp.path, `r${n++}`)], {
      env: { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', TMPDIR: tmpdir },
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
    const deadline = Date.now() + 30_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(runFolders(tmpdir)).toHaveLength(1);
    child.kill(signal);
    const end = await exited;
    // Ended by the signal, as before the cleanup handler existed.
    expect(end).toEqual({ code: null, signal });
    expect(runFolders(tmpdir)).toEqual([]);
  }, 60_000);

  it('removed when the run fails (a --manual proxy port already in use: one line, exit 2)', async () => {
    const tmpdir = fresh();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(['run', '--manual', '--proxy-port', String(port), '--tls-port', '0', '--scenarios', 'control-genuine', '--report', join(tmp.path, `r${n++}`)], {
        certsDir,
        env: { TMPDIR: tmpdir },
        timeoutMs: 60_000,
      });
      expect(r.code, r.stderr).toBe(2);
      expect(runFolders(tmpdir)).toEqual([]);
    } finally {
      busy.close();
    }
  }, 90_000);
});
