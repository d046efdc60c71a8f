/**
 * `pinprick verify --batch`: one JSON line in, one JSON line out. Kept apart from the yargs
 * command so the benchmark (bench/verify.ts) times exactly what the command runs, in process.
 */
import { InputError } from '../../errors.js';
import { evaluate, parsePin, singleRulePolicy, type PinPolicy, type PolicyPin, type Verdict } from '../../model/index.js';
import { readTlv } from '../../world/der.js';
import { MAX_CERTIFICATE_FILE_BYTES, NotCertificatesError, parseCertificates, pemBlocks } from '../../world/pem.js';

/** Pins in curl's syntax (`sha256//B64;sha256//B64`), or any form {@link parsePin} reads, separated by ';' or ','. */
export function parsePinList(text: string): PolicyPin[] {
  return text
    .split(/[;,]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const pin = parsePin(p);
      if (pin === undefined) throw new InputError(`pin '${p}': expected sha256//BASE64 (44 characters of base64) or a legacy sha1/BASE64 (28)`);
      return pin;
    });
}

/** `--at` or a batch line's `at`: an ISO 8601 date, or now when absent. */
export function parseAt(text: string | undefined, what = '--at'): Date {
  if (text === undefined) return new Date();
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new InputError(`${what}: '${text}' is not an ISO 8601 date (e.g. 2026-03-01T12:00:00Z)`);
  return d;
}

/** The policy `--pins` stands for: the pins of this very chain, for the host checked (or for none given). */
export function policyFor(pins: PolicyPin[], host: string | undefined): PinPolicy {
  return singleRulePolicy({ domains: host ? [{ pattern: host }] : [], pins, enforce: true });
}

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
  for (const { label, der } of pemBlocks(pem)) {
    if (!CERTIFICATE_LABELS.has(label)) continue;
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

/** One line of --batch input, checked. */
interface BatchLine {
  peer: string;
  chain: string[];
  roots: string[];
  host?: string;
  at?: string;
  pins?: string[];
}

/** What a line must be, in the words every shape error repeats. */
const LINE_SHAPE = '{"peer": PEM, "roots": [PEM], "chain"?: [PEM], "host"?, "at"?, "pins"?}';
const FIELDS = ['peer', 'chain', 'roots', 'host', 'at', 'pins'];

/** A line that cannot be answered with a verdict: the plain message its answer carries. */
class LineProblem extends Error {}

/** A JSON value in words: `a list`, `number 5`, `a string`. */
function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return 'a string';
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

function stringField(v: unknown, path: string, what: string): string {
  if (typeof v !== 'string') throw new LineProblem(`${path}: expected a string (${what}), got ${describeJson(v)}`);
  return v;
}

function listField(v: unknown, path: string, what: string, itemWhat: string): string[] {
  if (!Array.isArray(v)) throw new LineProblem(`${path}: expected a list of ${what}, got ${describeJson(v)}`);
  return v.map((item, i) => stringField(item, `${path}[${i}]`, itemWhat));
}

/**
 * Check the JSON shape of one line before anything reads it: every field's type, no unknown
 * field (a misspelt "pin" would otherwise check no pin at all), the required ones present.
 */
function checkLine(text: string): BatchLine {
  if (!text.trim()) throw new LineProblem(`blank line; expected a JSON object ${LINE_SHAPE}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LineProblem(`not JSON; expected a JSON object ${LINE_SHAPE}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LineProblem(`expected a JSON object ${LINE_SHAPE}, got ${describeJson(value)}`);
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) throw new LineProblem(`unknown field ${JSON.stringify(unknown)} (fields: ${FIELDS.join(', ')})`);
  if (!Object.hasOwn(o, 'peer')) throw new LineProblem('missing "peer": the end-entity certificate, a PEM string');
  if (!Object.hasOwn(o, 'roots')) throw new LineProblem('missing "roots": the trust anchors, a list of PEM strings');
  const line: BatchLine = {
    peer: stringField(o.peer, 'peer', 'PEM'),
    chain: Object.hasOwn(o, 'chain') ? listField(o.chain, 'chain', 'PEM strings', 'PEM') : [],
    roots: listField(o.roots, 'roots', 'PEM strings', 'PEM'),
  };
  if (Object.hasOwn(o, 'host')) line.host = stringField(o.host, 'host', 'a DNS name or IP address');
  if (Object.hasOwn(o, 'at')) line.at = stringField(o.at, 'at', 'an ISO 8601 date');
  if (Object.hasOwn(o, 'pins')) line.pins = listField(o.pins, 'pins', 'pin strings (sha256//BASE64)', 'sha256//BASE64');
  return line;
}

/** The verdict for one checked line; a problem of a field throws a {@link LineProblem} naming it. */
function lineVerdict(input: BatchLine): Verdict {
  const pins = input.pins?.map((p, i) => {
    const pin = parsePin(p);
    if (pin === undefined) throw new LineProblem(`pins[${i}]: '${p.slice(0, 60)}' is not a pin: expected sha256//BASE64 (44 characters of base64) or a legacy sha1/BASE64 (28)`);
    return pin;
  });
  let at: Date;
  try {
    at = parseAt(input.at, 'at');
  } catch (err) {
    throw new LineProblem((err as Error).message);
  }
  // Each field decoded on its own, so a block that does not decode is named by where it is.
  const fields = (decode: (pem: string) => Uint8Array[]) => {
    const one = (pem: string, path: string) => {
      try {
        return decode(pem);
      } catch (err) {
        if (err instanceof NotCertificatesError) throw new LineProblem(`${path}: ${err.message}`);
        throw err;
      }
    };
    return {
      presented: [...one(input.peer, 'peer'), ...input.chain.flatMap((pem, i) => one(pem, `chain[${i}]`))],
      anchors: input.roots.flatMap((pem, i) => one(pem, `roots[${i}]`)),
    };
  };
  const run = (decode: (pem: string) => Uint8Array[]) =>
    evaluate({ ...fields(decode), ...(input.host ? { host: input.host } : {}), at, ...(pins ? { policy: policyFor(pins, input.host) } : {}) });
  let verdict: Verdict | undefined;
  try {
    verdict = run((pem) => certificateDers(pem) ?? opensslDers(pem));
  } catch (err) {
    if (!(err instanceof LineProblem)) throw err;
  }
  // A block the model cannot read: answer exactly as when OpenSSL decodes every block (an error
  // for a block OpenSSL refuses too, else the model's `malformed` verdict on OpenSSL's bytes).
  if (!verdict || verdict.code === 'malformed') verdict = run(opensslDers);
  return verdict;
}

/** The answer to line number `line`: a verdict, or `{line, error}` with a plain message. */
function batchAnswer(text: string, line: number): object {
  try {
    const v = lineVerdict(checkLine(text));
    return { line, expected: v.expected, code: v.code, reason: v.reason, validation: v.validation, pinCheck: v.pinCheck, chosenPath: v.chosenPath, paths: v.paths };
  } catch (err) {
    if (err instanceof LineProblem || err instanceof InputError) return { line, error: err.message };
    // Anything else is a bug of ours: the answer says so, and never shows JavaScript's own words.
    return { line, error: 'internal error while checking this line (a bug in pinprick: please report it with the line)' };
  }
}

/** Answer one --batch input line (number `line`, from 1) with one JSON line (no newline): a verdict, or `{"line", "error"}`. */
export function answerBatchLine(text: string, line = 1): string {
  return JSON.stringify(batchAnswer(text, line));
}

/**
 * Longest --batch line, in bytes: 16 MiB, as for a certificate file, since a line carries what the
 * single-chain command reads from its files (a peer, its chain, a whole root store: Debian's is
 * ~220 KB). A longer line is answered with an error; its bytes are counted, not kept.
 */
export const MAX_BATCH_LINE_BYTES = MAX_CERTIFICATE_FILE_BYTES;

/** A line longer than the limit: only its length is known. */
export interface OverlongLine {
  bytes: number;
}

/**
 * The lines of a byte stream: split at '\n' only (a '\r' before it is dropped, so CRLF files
 * read the same), a last line without '\n' included, an empty input no line at all. A line over
 * `maxBytes` comes out as its length alone.
 */
export async function* inputLines(input: AsyncIterable<Buffer | string>, maxBytes = MAX_BATCH_LINE_BYTES): AsyncGenerator<string | OverlongLine> {
  let parts: Buffer[] = [];
  let bytes = 0;
  let pending = false;
  const add = (part: Buffer) => {
    bytes += part.length;
    if (bytes <= maxBytes + 1) parts.push(part);
    else parts = [];
  };
  const take = (): string | OverlongLine => {
    const text = bytes <= maxBytes + 1 ? Buffer.concat(parts).toString('utf8') : undefined;
    const length = bytes;
    parts = [];
    bytes = 0;
    pending = false;
    // The '\r' of a CRLF does not count against the limit.
    if (text === undefined) return { bytes: length };
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    return Buffer.byteLength(line) > maxBytes ? { bytes: Buffer.byteLength(line) } : line;
  };
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      add(data.subarray(start, nl));
      yield take();
      start = nl + 1;
    }
    if (start < data.length) {
      add(data.subarray(start));
      pending = true;
    }
  }
  if (pending) yield take();
}

/** The whole of `--batch`: one answer (a JSON text, no newline) per input line, in order, answer i naming line i + 1. */
export async function* answerBatch(input: AsyncIterable<Buffer | string>, maxLineBytes = MAX_BATCH_LINE_BYTES): AsyncGenerator<string> {
  let line = 0;
  for await (const text of inputLines(input, maxLineBytes)) {
    line++;
    yield typeof text === 'string' ? answerBatchLine(text, line) : JSON.stringify({ line, error: `too long: ${text.bytes} bytes (limit ${maxLineBytes} bytes); expected one JSON object per line` });
  }
}
