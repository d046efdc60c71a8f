/**
 * `pinprick verify --batch`: one JSON line in, one JSON line out. Kept apart from the yargs
 * command so the benchmark (bench/verify.ts) times exactly what the command runs, in process.
 */
import { InputError } from '../../errors.js';
import { evaluate, type PinPolicy, type Verdict } from '../../model/index.js';
import { readTlv } from '../../world/der.js';
import { NotCertificatesError, parseCertificates } from '../../world/pem.js';

const PIN = /^(?:sha256\/\/?|pin-sha256=)?"?([A-Za-z0-9+/]{43}=)"?$/;

/** Pins in curl's syntax (`sha256//B64;sha256//B64`), or bare base64, separated by ';' or ','. */
export function parsePinList(text: string): { sha256: string }[] {
  return text
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = PIN.exec(p);
      if (!m) throw new InputError(`pin '${p}': expected sha256//BASE64 (44 characters of base64)`);
      return { sha256: m[1]! };
    });
}

/** `--at` or a batch line's `at`: an ISO 8601 date, or now when absent. */
export function parseAt(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new InputError(`--at '${text}': expected an ISO 8601 date`);
  return d;
}

/** The policy `--pins` stands for: the pins of this very chain, for the host checked (or for none given). */
export function policyFor(pins: { sha256: string }[], host: string | undefined): PinPolicy {
  return { domains: host ? [{ pattern: host }] : [], pins, enforce: true };
}

/** One line of --batch input, checked. */
interface BatchLine {
  peer: string;
  chain?: string[];
  roots: string[];
  host?: string;
  at?: string;
  pins?: string[];
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);

/**
 * The DER of each certificate block of a PEM text, decoded without OpenSSL; undefined when the
 * text is not PEM or holds no certificate block (then {@link parseCertificates} says why). Node's
 * X509Certificate costs 100-170 µs a certificate, more than validating a whole chain, and a batch
 * repeats its roots and intermediates on every line; the model parses (once per distinct DER) and
 * reports a bad certificate itself. Like OpenSSL, the first TLV of a block is the certificate
 * (a TRUSTED CERTIFICATE block carries trust settings after it). The one difference from decoding
 * through OpenSSL: bytes the model reads but OpenSSL refuses get a verdict instead of an error.
 */
function certificateDers(pem: string): Uint8Array[] | undefined {
  if (!pem.includes('-----BEGIN ')) return undefined;
  const ders: Uint8Array[] = [];
  for (const m of pem.matchAll(BLOCK)) {
    if (!CERTIFICATE_LABELS.has(m[1]!)) continue;
    const der = Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    let end = der.length;
    try {
      end = readTlv(der, 0).end;
    } catch {
      // Not even one TLV: the model calls it malformed, and the exact path decides what to say.
    }
    ders.push(der.subarray(0, end));
  }
  return ders.length ? ders : undefined;
}

/** The DER of each certificate through OpenSSL, as the single-chain command reads files. */
function opensslDers(pem: string): Buffer[] {
  return parseCertificates(Buffer.from(pem)).map((c) => Buffer.from(c.raw));
}

function batchVerdict(line: string): unknown {
  let input: BatchLine;
  try {
    input = JSON.parse(line) as BatchLine;
  } catch {
    return { error: 'not a JSON object' };
  }
  try {
    if (typeof input?.peer !== 'string' || !Array.isArray(input.roots)) return { error: 'expected {"peer": PEM, "roots": [PEM], "chain"?: [PEM], "host"?, "at"?, "pins"?}' };
    const pins = input.pins ? parsePinList(input.pins.join(';')) : undefined;
    const at = parseAt(input.at);
    const run = (decode: (pem: string) => Uint8Array[]) =>
      evaluate({
        presented: [...decode(input.peer), ...(input.chain ?? []).flatMap(decode)],
        anchors: input.roots.flatMap(decode),
        ...(input.host ? { host: input.host } : {}),
        at,
        ...(pins ? { policy: policyFor(pins, input.host) } : {}),
      });
    let verdict: Verdict | undefined;
    try {
      verdict = run((pem) => certificateDers(pem) ?? opensslDers(pem));
    } catch (err) {
      if (!(err instanceof NotCertificatesError)) throw err;
    }
    // A block the model cannot read: answer exactly as when OpenSSL decodes every block (an error
    // for a block OpenSSL refuses too, else the model's `malformed` verdict on OpenSSL's bytes).
    if (!verdict || verdict.code === 'malformed') verdict = run(opensslDers);
    return { expected: verdict.expected, code: verdict.code, reason: verdict.reason, validation: verdict.validation, pinCheck: verdict.pinCheck, chosenPath: verdict.chosenPath, paths: verdict.paths };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Answer one --batch input line with one JSON line (no newline): a verdict, or `{"error": …}`. */
export function answerBatchLine(line: string): string {
  return JSON.stringify(batchVerdict(line));
}
