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

/**
 * Largest certificate file (PEM bundle, DER certificate or key) `pins` and `verify` read: 16 MiB.
 * Debian's whole public root store (ca-certificates.crt, ~140 roots) is ~220 KB, a server chain a
 * few KB; 16 MiB holds ~12,000 PEM certificates and parses in about a second.
 */
export const MAX_CERTIFICATE_FILE_BYTES = 16 * 1024 * 1024;

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/** The label of a `-----BEGIN LABEL-----` or `-----END LABEL-----` marker whose label starts at `at`, and where it ends. */
function markerLabel(text: string, at: number): { label: string; end: number } | undefined {
  let i = at;
  for (let c = text.charCodeAt(i); (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 32; c = text.charCodeAt(++i));
  if (i === at || !text.startsWith(DASHES, i)) return undefined;
  return { label: text.slice(at, i), end: i + DASHES.length };
}

/**
 * Every PEM block in a text, in order: exactly what the regular expression
 * `-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----` finds, in time linear in the text.
 * That expression searched the rest of the text for the END of every BEGIN that has none (16 MiB
 * of unended BEGIN lines took hours), and the line of each block was recounted from the start
 * (4,000 certificates: 15 s). Here every END marker is indexed once, each label's ENDs are taken in
 * order, and lines are counted from the previous block on.
 */
export function pemBlocks(text: string): PemBlock[] {
  const ends = new Map<string, { at: number[]; next: number }>();
  for (let i = text.indexOf(END); i !== -1; i = text.indexOf(END, i + 1)) {
    const m = markerLabel(text, i + END.length);
    if (!m) continue;
    let list = ends.get(m.label);
    if (!list) ends.set(m.label, (list = { at: [], next: 0 }));
    list.at.push(i);
  }
  const blocks: PemBlock[] = [];
  let line = 1;
  let counted = 0;
  for (let i = text.indexOf(BEGIN); i !== -1; ) {
    const m = markerLabel(text, i + BEGIN.length);
    const list = m && ends.get(m.label);
    if (list) while (list.next < list.at.length && list.at[list.next]! < m.end) list.next++;
    const end = list?.at[list.next];
    if (!m || end === undefined) {
      i = text.indexOf(BEGIN, i + 1);
      continue;
    }
    for (let n = text.indexOf('\n', counted); n !== -1 && n < i; n = text.indexOf('\n', n + 1)) line++;
    counted = i;
    blocks.push({ label: m.label, der: Buffer.from(text.slice(m.end, end).replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), line });
    i = text.indexOf(BEGIN, end + END.length + m.label.length + DASHES.length);
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
