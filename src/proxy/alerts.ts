/**
 * TLS alert descriptions (RFC 8446 6, RFC 5246 7.2, RFC 7301, RFC 6066): one vocabulary for the
 * wire parser, the verdict classifier and every report.
 */
export const ALERTS: Readonly<Record<number, string>> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  111: 'certificate_unobtainable',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  114: 'bad_certificate_hash_value',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

const BY_NAME = new Map(Object.entries(ALERTS).map(([code, name]) => [name, Number(code)]));

/** An alert by name and number. */
export interface Alert {
  name: string;
  code: number;
}

/** The alert with this description number. */
export function alertByCode(code: number): Alert {
  return { name: ALERTS[code] ?? `alert_${code}`, code };
}

/**
 * The alert a peer sent, read from a Node/OpenSSL error: `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`,
 * `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`, or the message text `... alert number 42`.
 */
export function alertFromError(err: Error): Alert | undefined {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const m = /ALERT_([A-Z_]+)$/.exec(code);
  if (m) {
    const name = m[1]!.toLowerCase();
    const number = BY_NAME.get(name) ?? BY_NAME.get(name.replace(/^tlsv1_/, ''));
    if (number !== undefined) return { name: ALERTS[number]!, code: number };
  }
  const n = /alert number (\d+)/.exec(err.message);
  if (n) return alertByCode(Number(n[1]));
  return undefined;
}
