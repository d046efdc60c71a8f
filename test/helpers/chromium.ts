import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's chromium. */
export const CHROMIUM = '/usr/bin/chromium';
/** CI installs it (.ci/run), so there a missing browser fails instead of skipping. */
export const NO_CHROMIUM = !existsSync(CHROMIUM) && !process.env.CI;
if (NO_CHROMIUM) console.warn('skipping the headless-browser tests: Debian package chromium is not installed');
const CHROMIUM_TIMEOUT_MS = 60_000;

/** Run Chromium headless with a fresh profile, killed (with its whole process group) after a minute. */
export function chromium(args: string[], userDataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--force-device-scale-factor=1', `--user-data-dir=${userDataDir}`];
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...flags, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the browser and its renderer, GPU and crashpad helpers
      } catch {
        child.kill('SIGKILL');
      }
    }, CHROMIUM_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Width and height from a PNG's IHDR chunk (bytes 16-23, right after the signature and chunk header). */
export function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
