import { X509Certificate } from 'node:crypto';
import { normalisePin } from '../model/pin.js';
import { pinOfCertificate } from '../world/pin.js';
import { RecordStream } from './stream.js';

/**
 * A pin-validation failure report a client sent to the proxy: HPKP's `report-uri` (RFC 7469
 * section 3) or TrustKit's `reportUris`, both JSON POSTs. The harness shows it next to the verdict
 * of the scenario that was active when it arrived.
 */
export interface PinReport {
  /** Increasing per proxy instance. */
  id: number;
  /** When it arrived (ISO 8601). */
  receivedAt: string;
  /** The active scenario when it arrived. */
  scenario: string;
  /** `hpkp` (RFC 7469), `trustkit`, `json` (some other JSON), `text` (not JSON). */
  format: 'hpkp' | 'trustkit' | 'json' | 'text';
  /** Where the client sent it (the URL as requested). */
  url: string;
  /** The host the report is about (its `hostname`). */
  hostname?: string;
  port?: number;
  /** The pinned host entry that matched (`noted-hostname`). */
  notedHostname?: string;
  /** The client's pins (`known-pins`), as base64 SHA-256 values. */
  knownPins?: string[];
  /** Pins of the chain the server sent, as the client reports it (HPKP `served-certificate-chain`). */
  servedChainPins?: string[];
  /** Pins of the path the client built (`validated-certificate-chain`). */
  validatedChainPins?: string[];
  /** TrustKit's `validation-result`, named. */
  validationResult?: string;
  /** TrustKit's `enforce-pinning`. */
  enforced?: boolean;
  /** TrustKit's `app-bundle-id`. */
  app?: string;
  /** The request's `Origin` header, when it had one (cut at {@link MAX_SENDER_HEADER} characters). */
  origin?: string;
  /** The request's `User-Agent` header, when it had one (cut the same way). */
  userAgent?: string;
  /**
   * Sent by a web page: the request carried an `Origin` other than `null`. Any page can make a
   * browser POST a `text/plain` body to any host without a CORS preflight (a "simple request",
   * Fetch standard), so such a report may be forged; browsers' own HPKP reports and native senders
   * (TrustKit, an app's own code) send no `Origin`, or `null`.
   */
  fromWebPage?: true;
  /** The body: parsed JSON, or the text; at most {@link MAX_REPORT_BYTES}. */
  body: unknown;
}

/** Reports larger than this are cut (a report is a few kilobytes; a test proxy must not buffer without bound). */
export const MAX_REPORT_BYTES = 256 * 1024;

/** Longest `Origin` or `User-Agent` kept with a report; the rest is cut (`…`). */
export const MAX_SENDER_HEADER = 256;

function capped(text: string): string {
  return text.length > MAX_SENDER_HEADER ? `${text.slice(0, MAX_SENDER_HEADER)}…` : text;
}

/** Who sent a report, from its request headers: its `Origin` and `User-Agent`, and whether a web page sent it. */
export function reportSender(headers: { origin?: string; 'user-agent'?: string }): Pick<PinReport, 'origin' | 'userAgent' | 'fromWebPage'> {
  const { origin, 'user-agent': userAgent } = headers;
  return {
    ...(origin !== undefined ? { origin: capped(origin) } : {}),
    ...(userAgent !== undefined ? { userAgent: capped(userAgent) } : {}),
    // RFC 6454 section 7.3: a privacy-sensitive context sends `null`, so does a browser's own report sender.
    ...(origin !== undefined && origin !== 'null' ? { fromWebPage: true as const } : {}),
  };
}

/** The stream of pin-failure reports, like the verdict stream. */
export class PinReportStream extends RecordStream<PinReport> {}

/** TrustKit's TSKTrustEvaluationResult values. */
const TRUSTKIT_RESULTS: Record<number, string> = {
  0: 'success',
  1: 'failed: no matching pin',
  2: 'failed: invalid certificate chain',
  3: 'error: invalid parameters',
  4: 'failed: user-defined trust anchor',
  5: 'error: could not generate an SPKI hash',
};

function chainPins(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((pem) => {
    try {
      return pinOfCertificate(new X509Certificate(String(pem))).sha256;
    } catch {
      return '(not a certificate)';
    }
  });
}

/** Looks like a record: JSON objects whose fields are read by name. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Read a report body: which format, and the fields the reports show. Never throws. */
export function readPinReport(body: string, url: string): Omit<PinReport, 'id' | 'receivedAt' | 'scenario'> {
  const text = body.length > MAX_REPORT_BYTES ? body.slice(0, MAX_REPORT_BYTES) : body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { format: 'text', url, body: text };
  }
  if (!isRecord(parsed)) return { format: 'json', url, body: parsed };
  const r = parsed;
  const trustkit = 'app-bundle-id' in r || 'trustkit-version' in r || 'validation-result' in r;
  const hpkp = !trustkit && 'known-pins' in r && ('served-certificate-chain' in r || 'validated-certificate-chain' in r);
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  const port = typeof r.port === 'number' ? r.port : undefined;
  const knownPins = Array.isArray(r['known-pins']) ? (r['known-pins'] as unknown[]).map((p) => normalisePin(String(p))) : undefined;
  const served = chainPins(r['served-certificate-chain']);
  const validated = chainPins(r['validated-certificate-chain']);
  const result = typeof r['validation-result'] === 'number' ? (TRUSTKIT_RESULTS[r['validation-result']] ?? `result ${r['validation-result']}`) : undefined;
  const hostname = str('hostname');
  const noted = str('noted-hostname');
  const app = str('app-bundle-id');
  return {
    format: trustkit ? 'trustkit' : hpkp ? 'hpkp' : 'json',
    url,
    ...(hostname ? { hostname } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(noted ? { notedHostname: noted } : {}),
    ...(knownPins ? { knownPins } : {}),
    ...(served ? { servedChainPins: served } : {}),
    ...(validated ? { validatedChainPins: validated } : {}),
    ...(result ? { validationResult: result } : {}),
    ...(typeof r['enforce-pinning'] === 'boolean' ? { enforced: r['enforce-pinning'] } : {}),
    ...(app ? { app } : {}),
    body: parsed,
  };
}

/** A body is a pin report when it reads as HPKP or TrustKit (how the proxy tells reports from ordinary POSTs it forwards). */
export function isPinReportBody(body: string): boolean {
  const format = readPinReport(body, '').format;
  return format === 'hpkp' || format === 'trustkit';
}
