import { execFile } from 'node:child_process';

/** Outcome of one real curl run. */
export interface CurlResult {
  /** curl's exit code: 0 ok, 60 untrusted, 90 pinned key mismatch, 51 host name, … */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real curl, asynchronously (the proxy under test lives in this process). `--capath` to a
 * missing folder stops curl from trusting the system store in addition to `--cacert` (FIELD-NOTES).
 */
export function curl(args: string[], timeoutSec = 10): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', String(timeoutSec), '--capath', '/nonexistent-pinprick', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}
