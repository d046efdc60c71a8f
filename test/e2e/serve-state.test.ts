import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorld } from '../../src/world/store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const BIN = fileURLToPath(new URL('../../bin/pinprick.js', import.meta.url));
const UID = process.getuid!();
/** A user id that is not ours, for folders and files "another user" made (chown needs root). */
const OTHER_UID = UID === 0 ? 65534 : undefined;

/**
 * Issue 15, finding 1: the file `serve` leaves for `pinprick use` and `pinprick status` (the
 * control address and the token that switches the proxy) lived at a fixed name in /tmp. Another
 * user who made that name first read the token; a symlink there made serve write through it. Each
 * test gives serve its own TMPDIR and XDG_RUNTIME_DIR, so the machine's real state is never touched.
 */
describe('the serve state file: private folder, exclusive creation, checked when read', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  let n = 0;
  /** A fresh folder for one test's TMPDIR or XDG_RUNTIME_DIR. */
  const fresh = (mode = 0o700) => {
    const dir = join(tmp.path, `t${n++}`);
    mkdirSync(dir);
    chmodSync(dir, mode);
    return dir;
  };

  beforeAll(async () => {
    await openWorld({ certsDir });
  });
  afterAll(() => tmp.cleanup());

  /** Start `pinprick serve` on free ports; resolves when it printed its token, or when it exited. */
  function serve(env: Record<string, string>) {
    const child = spawn(process.execPath, [BIN, 'serve', '--proxy-port', '0', '--tls-port', '0', '--control-port', '0', '--log', join(tmp.path, `v${n++}.jsonl`)], {
      env: { ...process.env, PINPRICK_CERTS: certsDir, NO_COLOR: '1', XDG_RUNTIME_DIR: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const ready = Promise.race([
      exited.then(() => undefined),
      (async () => {
        const deadline = Date.now() + 20_000;
        while (!/token: (\S+)/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        return /token: (\S+)/.exec(stdout)?.[1];
      })(),
    ]);
    return {
      ready,
      exited,
      output: () => ({ stdout, stderr }),
      stop: async () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
  }

  it('is XDG_RUNTIME_DIR/pinprick/control.json when XDG_RUNTIME_DIR is a folder of ours with mode 0700: 0600, folder 0700, removed at exit', async () => {
    const xdg = fresh();
    const s = serve({ TMPDIR: fresh(), XDG_RUNTIME_DIR: xdg });
    const token = await s.ready;
    expect(token, s.output().stderr).toBeDefined();
    const path = join(xdg, 'pinprick', 'control.json');
    expect(lstatSync(join(xdg, 'pinprick')).mode & 0o7777).toBe(0o700);
    const st = lstatSync(path);
    expect(st.isFile()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o600);
    expect(st.uid).toBe(UID);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ token });
    expect(await s.stop()).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('without XDG_RUNTIME_DIR (or one that is not private) is TMPDIR/pinprick-<uid>/control.json, the folder made 0700', async () => {
    for (const xdg of ['', fresh(0o755)]) {
      const tmpdir = fresh(0o1777);
      const s = serve({ TMPDIR: tmpdir, XDG_RUNTIME_DIR: xdg });
      expect(await s.ready, s.output().stderr).toBeDefined();
      const dir = join(tmpdir, `pinprick-${UID}`);
      expect(lstatSync(dir).isDirectory()).toBe(true);
      expect(lstatSync(dir).mode & 0o7777).toBe(0o700);
      expect(lstatSync(join(dir, 'control.json')).mode & 0o7777).toBe(0o600);
      if (xdg) expect(s.output().stderr).toContain(`XDG_RUNTIME_DIR ${xdg}`);
      await s.stop();
    }
  });

  it('never writes through the old fixed name: a 0666 file or a symlink planted at TMPDIR/pinprick-control-<uid>.json keeps its content', async () => {
    const tmpdir = fresh(0o1777);
    const planted = join(tmpdir, `pinprick-control-${UID}.json`);
    writeFileSync(planted, 'planted by another user\n');
    chmodSync(planted, 0o666);
    const s = serve({ TMPDIR: tmpdir });
    const token = await s.ready;
    expect(token, s.output().stderr).toBeDefined();
    expect(readFileSync(planted, 'utf8')).toBe('planted by another user\n');
    await s.stop();

    const other = fresh(0o1777);
    const victim = join(tmp.path, `victim-${n++}`);
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(other, `pinprick-control-${UID}.json`));
    const t = serve({ TMPDIR: other });
    expect(await t.ready, t.output().stderr).toBeDefined();
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    await t.stop();
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('replaces a symlink or a stale file at control.json instead of writing through it; the new serve is the one found', async () => {
    const tmpdir = fresh(0o1777);
    const dir = join(tmpdir, `pinprick-${UID}`);
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(tmp.path, `victim-${n++}`);
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'control.json'));
    const s = serve({ TMPDIR: tmpdir });
    expect(await s.ready, s.output().stderr).toBeDefined();
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(dir, 'control.json')).isFile()).toBe(true);
    await s.stop();

    // A serve killed with SIGKILL leaves its file behind: the next serve starts all the same.
    writeFileSync(join(dir, 'control.json'), JSON.stringify({ url: 'http://127.0.0.1:1', token: 'stale', pid: 999_999_999 }), { mode: 0o600 });
    const t = serve({ TMPDIR: tmpdir });
    const token = await t.ready;
    expect(token, t.output().stderr).toBeDefined();
    const status = await runCli(['status', '--json'], { certsDir, env: { TMPDIR: tmpdir, XDG_RUNTIME_DIR: '' } });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'control.json'), 'utf8'))).toMatchObject({ token });
    await t.stop();
  });

  it('refuses a pre-made folder that is not a private folder of ours: one line, exit 2, no proxy started', async () => {
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['mode 0777', (dir) => (mkdirSync(dir), chmodSync(dir, 0o777)), /mode 0777, not 0700/],
      ['a symlink to a private folder', (dir) => symlinkSync(fresh(), dir), /is a symbolic link, not a folder/],
      ['a file', (dir) => writeFileSync(dir, ''), /is not a folder/],
    ];
    if (OTHER_UID !== undefined) cases.push(['owned by another user', (dir) => (mkdirSync(dir, { mode: 0o700 }), chownSync(dir, OTHER_UID, OTHER_UID)), new RegExp(`owned by uid ${OTHER_UID}, not ${UID}`)]);
    for (const [what, plant, message] of cases) {
      const tmpdir = fresh(0o1777);
      const dir = join(tmpdir, `pinprick-${UID}`);
      plant(dir);
      const s = serve({ TMPDIR: tmpdir });
      expect(await s.ready, what).toBeUndefined();
      expect(await s.exited, what).toBe(2);
      const { stdout, stderr } = s.output();
      expect(stdout, what).toBe('');
      expect(stderr, what).toMatch(message);
      expect(stderr, what).toMatch(/^pinprick: [^\n]+\n$/);
    }
  });

  it('pinprick use and status refuse a state file that is not a regular file of ours with mode 0600: one line, exit 2', async () => {
    const cases: [string, (path: string) => void, RegExp][] = [
      ['mode 0666', (path) => (writeFileSync(path, JSON.stringify({ url: 'http://127.0.0.1:1', token: 'x' })), chmodSync(path, 0o666)), /mode 0666, not 0600/],
      ['a symlink', (path) => symlinkSync(join(tmp.path, 'anything.json'), path), /is a symbolic link, not a regular file/],
      ['a folder', (path) => mkdirSync(path), /is not a regular file/],
    ];
    if (OTHER_UID !== undefined) {
      cases.push(['owned by another user', (path) => (writeFileSync(path, '{}', { mode: 0o600 }), chownSync(path, OTHER_UID, OTHER_UID)), new RegExp(`owned by uid ${OTHER_UID}, not ${UID}`)]);
    }
    for (const [what, plant, message] of cases) {
      const tmpdir = fresh(0o1777);
      const dir = join(tmpdir, `pinprick-${UID}`);
      mkdirSync(dir, { mode: 0o700 });
      plant(join(dir, 'control.json'));
      for (const args of [['status'], ['use', 'control-genuine']]) {
        const r = await runCli(args, { certsDir, env: { TMPDIR: tmpdir, XDG_RUNTIME_DIR: '' } });
        expect(r.code, `${what}: ${args[0]}: ${r.stderr}`).toBe(2);
        expect(r.stderr, what).toMatch(message);
        expect(r.stderr, what).toMatch(/^pinprick: [^\n]+\n$/);
      }
      // Given what it needs on the command line, neither reads the file: it does not stand in the way.
      for (const args of [['status', '--control', 'http://127.0.0.1:1'], ['use', 'control-genuine', '--control', 'http://127.0.0.1:1', '--token', 'x']]) {
        const r = await runCli(args, { certsDir, env: { TMPDIR: tmpdir, XDG_RUNTIME_DIR: '' } });
        expect(r.stderr, `${what}: ${args[0]}`).toMatch(/^pinprick: no running pinprick serve found: nothing answers at http:\/\/127\.0\.0\.1:1\n$/);
      }
    }
  });
});
