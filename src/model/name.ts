/**
 * X.501 Names as path building needs them: the exact encoding (compared first), a canonical form
 * that compares names the way RFC 5280 7.1 asks (best effort: string values trimmed, inner
 * whitespace folded, case folded, multi-valued RDNs sorted — what OpenSSL's canonical encoding
 * does) and a one-line display form. Only the bounds are read eagerly; the attributes are decoded
 * when something asks for them, so comparing byte-equal names costs one string comparison.
 */
import { childrenOf, directoryStringOf, encoding, hex, MalformedError, oidOf, TAG, tlvAt } from './asn1.js';

/** One attribute of a Name: `CN=example`. */
export interface NameAttribute {
  oid: string;
  /** Short name (`CN`, `O`…) or the dotted OID when the model has no name for it. */
  type: string;
  /** The decoded value; undefined when the value is not a directory string. */
  value?: string;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** OID of the commonName attribute. */
export const COMMON_NAME = '2.5.4.3';
/** OID of the PKCS #9 emailAddress attribute, which rfc822Name constraints also cover (RFC 5280 4.2.1.10). */
export const EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

function canonicalValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

function escapeValue(value: string): string {
  let s = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (s.startsWith(' ') || s.startsWith('#')) s = `\\${s}`;
  if (s.endsWith(' ') && s.length > 1) s = `${s.slice(0, -1)}\\ `;
  return s;
}

/** A Name of a certificate. */
export class ParsedName {
  /** The DER encoding exactly as in the certificate. */
  readonly raw: Uint8Array;
  /** The encoding as a string, for cheap byte-equality. */
  readonly rawKey: string;
  private parsed?: { rdns: NameAttribute[][]; canonical: string; rdnKeys: string[] };
  private text?: string;

  constructor(buf: Uint8Array, offset: number, private readonly what = 'Name') {
    const seq = tlvAt(buf, offset, TAG.SEQUENCE, what);
    this.raw = encoding(buf, seq);
    this.rawKey = Buffer.from(this.raw.buffer, this.raw.byteOffset, this.raw.byteLength).toString('latin1');
  }

  /** Relative distinguished names, each a set of attributes, in encoding order. */
  get rdns(): NameAttribute[][] {
    return this.decode().rdns;
  }

  /** Comparable form: equal for names RFC 5280 7.1 (best effort) calls equal. */
  get canonical(): string {
    return this.decode().canonical;
  }

  /** One comparable key per RDN, in encoding order: a name is within another's subtree when their keys start alike (RFC 5280 4.2.1.10 directoryName). */
  get rdnKeys(): readonly string[] {
    return this.decode().rdnKeys;
  }

  /** RFC 4514-style text in encoding order, e.g. `CN=api.example, O=Example`. */
  get display(): string {
    this.text ??= this.rdns.map((rdn) => rdn.map((a) => `${a.type}=${a.value === undefined ? '#…' : escapeValue(a.value)}`).join('+')).join(', ');
    return this.text;
  }

  /** True for a Name with no RDN. */
  get empty(): boolean {
    return this.raw.length <= 2;
  }

  /** Check the attributes decode (called once at parse time so a bad Name is `malformed` up front). */
  validate(): void {
    this.decode();
  }

  private decode(): { rdns: NameAttribute[][]; canonical: string; rdnKeys: string[] } {
    if (this.parsed) return this.parsed;
    const buf = this.raw;
    const what = this.what;
    const rdns: NameAttribute[][] = [];
    const canonicalRdns: string[][] = [];
    for (const set of childrenOf(buf, tlvAt(buf, 0), what)) {
      if (set.tag !== TAG.SET) throw new MalformedError(`${what}: an RDN is not a SET`);
      const attrs: NameAttribute[] = [];
      const canon: string[] = [];
      for (const ava of childrenOf(buf, set, what)) {
        if (ava.tag !== TAG.SEQUENCE) throw new MalformedError(`${what}: an attribute is not a SEQUENCE`);
        const [typeTlv, valueTlv, extra] = childrenOf(buf, ava, what);
        if (!typeTlv || !valueTlv || extra) throw new MalformedError(`${what}: an attribute is not type and value`);
        const oid = oidOf(buf, typeTlv, what);
        let value: string | undefined;
        try {
          value = directoryStringOf(buf, valueTlv);
        } catch {
          throw new MalformedError(`${what}: an attribute value does not decode`);
        }
        attrs.push({ oid, type: SHORT_NAMES[oid] ?? oid, ...(value === undefined ? {} : { value }) });
        canon.push(`${oid}=${value === undefined ? `#${hex(encoding(buf, valueTlv))}` : canonicalValue(value)}`);
      }
      if (!attrs.length) throw new MalformedError(`${what}: empty RDN`);
      rdns.push(attrs);
      canonicalRdns.push(canon.sort());
    }
    // The canonical form is the JSON of the RDN list, built from the per-RDN keys: the same text, no second pass.
    const rdnKeys = canonicalRdns.map((r) => JSON.stringify(r));
    this.parsed = { rdns, canonical: `[${rdnKeys.join(',')}]`, rdnKeys };
    return this.parsed;
  }
}

/** Parse the Name TLV at `offset` of `buf`. */
export function parseName(buf: Uint8Array, offset: number, what = 'Name'): ParsedName {
  return new ParsedName(buf, offset, what);
}

/** True when two names are equal byte for byte, else canonically (RFC 5280 7.1, best effort). */
export function sameName(a: ParsedName, b: ParsedName): boolean {
  return a.rawKey === b.rawKey || a.canonical === b.canonical;
}

/** Every commonName value of a name, in encoding order. */
export function commonNames(name: ParsedName): string[] {
  const out: string[] = [];
  for (const rdn of name.rdns) for (const a of rdn) if (a.oid === COMMON_NAME && a.value !== undefined) out.push(a.value);
  return out;
}
