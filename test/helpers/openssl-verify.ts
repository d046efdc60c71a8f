import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pemOf } from '../../src/world/pem.js';
import { openssl, opensslStatus } from './openssl.js';

/**
 * False under `npm run mutate` (stryker.vitest.config.ts sets PINPRICK_MUTATE): a check of a test
 * row against openssl depends only on the row's bytes, never on the mutated source, so it can kill
 * no mutant; skipping it there saves a process per row per mutant. Checks of the model's own output
 * against openssl run always.
 */
export const ROWS_AGAINST_OPENSSL = process.env.PINPRICK_MUTATE !== '1';

/** A certificate as DER bytes or PEM text. */
export type CertInput = Uint8Array | string;

function asPem(cert: CertInput): string {
  return typeof cert === 'string' ? cert : pemOf(cert, 'CERTIFICATE');
}

/** Writes numbered PEM files into one temp folder, so openssl can read them by path. */
export class PemFolder {
  private count = 0;
  constructor(readonly dir: string) {}

  /** Write one or more certificates (a bundle, in order) to a new file; returns its path. */
  put(label: string, ...certs: CertInput[]): string {
    const path = join(this.dir, `${String(++this.count).padStart(3, '0')}-${label}.pem`);
    writeFileSync(path, certs.map(asPem).join(''));
    return path;
  }
}

/** What `openssl verify` said about one chain. */
export interface VerifyResult {
  ok: boolean;
  /** The first `error N at D depth lookup: …` line, if any. */
  error?: { code: number; depth: number; message: string };
  /** The chain openssl built (`-show_chain`), leaf first, one `openssl` oneline DN per entry. */
  chain: string[];
  output: string;
}

/** Options for {@link opensslVerify}: file paths, as `openssl verify` takes them. */
export interface VerifyOptions {
  /** `-CAfile`: the trust anchors. */
  caFile: string;
  /** `-untrusted`: intermediates offered by the server. */
  untrusted?: string;
  /** The certificate to verify. */
  leaf: string;
  /** `-attime`: verification time (defaults to the wall clock, which tests avoid). */
  at?: Date;
  /** `-verify_hostname`. */
  hostname?: string;
  /** `-verify_ip`. */
  ip?: string;
  /** Extra flags such as `-check_ss_sig` or `-auth_level 0`. */
  extra?: string[];
}

/** Run `openssl verify -x509_strict -show_chain` and parse its verdict. */
export function opensslVerify(options: VerifyOptions): VerifyResult {
  const args = ['verify', '-x509_strict', '-show_chain', '-CAfile', options.caFile];
  if (options.untrusted) args.push('-untrusted', options.untrusted);
  if (options.at) args.push('-attime', String(epochSeconds(options.at)));
  if (options.hostname) args.push('-verify_hostname', options.hostname);
  if (options.ip) args.push('-verify_ip', options.ip);
  args.push(...(options.extra ?? []), options.leaf);
  const { status, output } = opensslStatus(args);
  const err = /error (\d+) at (\d+) depth lookup: ?(.*)/.exec(output);
  const chain = [...output.matchAll(/^depth=\d+: (.*?)(?: \(untrusted\))?$/gm)].map((m) => m[1]!);
  return {
    ok: status === 0 && /: OK$/m.test(output),
    ...(err ? { error: { code: Number(err[1]), depth: Number(err[2]), message: err[3]!.trim() } } : {}),
    chain,
    output,
  };
}

/** Seconds since the epoch, as `-attime` takes it. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** `openssl x509 -text -noout` of a certificate file. */
export function opensslText(certPath: string): string {
  return openssl(['x509', '-in', certPath, '-text', '-noout']).toString('utf8');
}

/** One `openssl x509 -noout` query (`-subject`, `-ext subjectAltName`, `-startdate`…) of a certificate file. */
export function opensslX509(certPath: string, ...args: string[]): string {
  return openssl(['x509', '-in', certPath, '-noout', ...args]).toString('utf8').trim();
}

/** The RFC 7469 pin of a private key file: `openssl pkey -pubout -outform der | openssl dgst -sha256 -binary`. */
export function opensslKeyPin(keyPath: string): { sha256: string; sha256Hex: string } {
  const spki = openssl(['pkey', '-in', keyPath, '-pubout', '-outform', 'der']);
  const digest = openssl(['dgst', '-sha256', '-binary'], spki);
  return { sha256: digest.toString('base64'), sha256Hex: digest.toString('hex') };
}

/** `openssl x509 -fingerprint -<alg>` as lower-case hex without colons. */
export function opensslFingerprint(certPath: string, alg: 'sha256' | 'sha1'): string {
  const line = opensslX509(certPath, '-fingerprint', `-${alg}`);
  return line.slice(line.indexOf('=') + 1).replace(/:/g, '').toLowerCase();
}

/** `openssl x509 -noout -subject -issuer -startdate -enddate -serial -fingerprint -sha256` in one run, by field name. */
export function opensslFields(certPath: string): { subject: string; issuer: string; notBefore: Date; notAfter: Date; serial: string; sha256: string } {
  const out = opensslX509(certPath, '-subject', '-issuer', '-startdate', '-enddate', '-serial', '-fingerprint', '-sha256');
  const field = (name: string) => {
    const line = out.split('\n').find((l) => l.startsWith(`${name}=`));
    if (line === undefined) throw new Error(`openssl printed no ${name}: ${out}`);
    return line.slice(name.length + 1);
  };
  return {
    subject: field('subject'),
    issuer: field('issuer'),
    notBefore: new Date(field('notBefore')),
    notAfter: new Date(field('notAfter')),
    serial: field('serial'),
    sha256: field('sha256 Fingerprint').replace(/:/g, '').toLowerCase(),
  };
}
