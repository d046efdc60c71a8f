import { execFileSync, spawnSync } from 'node:child_process';

/** Run the real openssl binary; returns stdout, throws with stderr on failure. */
export function openssl(args: string[], input?: Buffer | string): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Run openssl and return exit status and combined output, never throwing. */
export function opensslStatus(args: string[], input?: Buffer | string): { status: number; output: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** The RFC 7469 pin of a PEM certificate, computed by openssl as the README documents it. */
export function opensslPin(certPem: string | Buffer): string {
  const pub = openssl(['x509', '-pubkey', '-noout'], certPem);
  const der = openssl(['pkey', '-pubin', '-outform', 'der'], pub);
  return openssl(['dgst', '-sha256', '-binary'], der).toString('base64');
}
