import { X509Certificate } from 'node:crypto';

/** PEM text of a DER blob (`CERTIFICATE`, `PRIVATE KEY`, …). */
export function pemOf(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** One PEM block found in a text: its label, its DER, and the 1-based line it starts on. */
export interface PemBlock {
  label: string;
  der: Buffer;
  line: number;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in a text, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const line = text.slice(0, m.index).split('\n').length;
    blocks.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), line });
  }
  return blocks;
}

/** Why some bytes could not be read as certificates. */
export class NotCertificatesError extends Error {}

/**
 * The certificates in a PEM bundle (any number, in file order, other blocks ignored) or in a
 * single DER certificate. Throws {@link NotCertificatesError} when there are none or one is bad.
 */
export function parseCertificates(data: Buffer): X509Certificate[] {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE' || b.label === 'X509 CERTIFICATE');
    if (!blocks.length) throw new NotCertificatesError('no CERTIFICATE block in the PEM text');
    return blocks.map((b) => {
      try {
        return new X509Certificate(b.der);
      } catch (err) {
        throw new NotCertificatesError(`the CERTIFICATE block at line ${b.line} does not parse (${(err as Error).message})`);
      }
    });
  }
  try {
    return [new X509Certificate(data)];
  } catch {
    throw new NotCertificatesError('neither PEM nor a DER certificate');
  }
}
