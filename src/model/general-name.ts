/**
 * GeneralName (RFC 5280 4.2.1.6): the names a subjectAltName lists and a nameConstraints subtree
 * is rooted at, read from DER, and their text form for reasons (OpenSSL's `DNS:`, `IP:`, `email:`,
 * `URI:`, `DirName:` prefixes). Pure.
 */
import { childrenOf, content, MalformedError, oidOf, TAG } from './asn1.js';
import type { Tlv } from './der.js';
import { parseName, type ParsedName } from './name.js';

/** Forms the model reads but does not match: they only ever count as "a name of another form". */
export type OtherNameForm = 'otherName' | 'x400Address' | 'ediPartyName' | 'registeredID';

/** One GeneralName. `ip` holds 4 or 16 bytes in a subjectAltName, address then mask (8 or 32) in a constraint. */
export type GeneralName =
  | { kind: 'dns'; value: string }
  | { kind: 'email'; value: string }
  | { kind: 'uri'; value: string }
  | { kind: 'ip'; bytes: Uint8Array }
  | { kind: 'directory'; name: ParsedName }
  | { kind: 'other'; form: OtherNameForm; /** otherName type-id */ typeId?: string };

/** One of the `kind`s of {@link GeneralName}. */
export type GeneralNameKind = GeneralName['kind'];

/** The OID of the SmtpUTF8Mailbox otherName (RFC 8398): an internationalised mailbox that rfc822Name constraints cover. */
export const SMTP_UTF8_MAILBOX = '1.3.6.1.5.5.7.8.9';

function ia5(buf: Uint8Array, t: Tlv): string {
  const bytes = content(buf, t);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Read the GeneralName TLV `t` of `buf`. `where` says what holds it: an iPAddress is 4 or 16
 * bytes in a subjectAltName, 8 or 32 (address and mask) in a name constraint (RFC 5280 4.2.1.10);
 * any other length, an unknown tag or a directoryName that is not a Name is a MalformedError.
 */
export function readGeneralName(buf: Uint8Array, t: Tlv, where: 'subjectAltName' | 'constraint', what: string): GeneralName {
  switch (t.tag) {
    case 0x81:
      return { kind: 'email', value: ia5(buf, t) };
    case 0x82:
      return { kind: 'dns', value: ia5(buf, t) };
    case 0x86:
      return { kind: 'uri', value: ia5(buf, t) };
    case 0x87: {
      const bytes = content(buf, t);
      const sizes = where === 'subjectAltName' ? [4, 16] : [8, 32];
      if (!sizes.includes(bytes.length)) throw new MalformedError(`${what}: iPAddress of ${bytes.length} bytes`);
      return { kind: 'ip', bytes };
    }
    case 0xa4: {
      // [4] EXPLICIT Name: a CHOICE, so the tag wraps the Name's own SEQUENCE.
      const [inner, extra] = childrenOf(buf, t, what);
      if (!inner || extra || inner.tag !== TAG.SEQUENCE) throw new MalformedError(`${what}: directoryName is not a Name`);
      const name = parseName(buf, inner.start, `${what} directoryName`);
      name.validate();
      return { kind: 'directory', name };
    }
    case 0xa0: {
      const [typeId] = childrenOf(buf, t, what);
      return { kind: 'other', form: 'otherName', typeId: oidOf(buf, typeId ?? t, `${what} otherName type-id`) };
    }
    case 0xa3:
      return { kind: 'other', form: 'x400Address' };
    case 0xa5:
      return { kind: 'other', form: 'ediPartyName' };
    case 0x88:
      return { kind: 'other', form: 'registeredID' };
    default:
      throw new MalformedError(`${what}: tag 0x${t.tag.toString(16)} is not a GeneralName`);
  }
}

/** Text form of 4 or 16 address bytes: dotted IPv4, or IPv6 in RFC 5952 form (`2001:db8::1`). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups becomes '::' (the first such run on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLen).join(':')}`;
}

/** The prefix length of a contiguous mask (`255.255.0.0` -> 16), or undefined when its bits are not contiguous. */
function prefixLength(mask: Uint8Array): number | undefined {
  let bits = 0;
  let ended = false;
  for (const b of mask) {
    for (let i = 7; i >= 0; i--) {
      const set = (b >> i) & 1;
      if (set && ended) return undefined;
      if (set) bits++;
      else ended = true;
    }
  }
  return bits;
}

/** `DNS:a.example`, `IP:10.0.0.1`, `IP:10.0.0.0/8` (a constraint), `email:.example`, `URI:…`, `DirName:O=Example`, `otherName:1.2.3`. */
export function describeGeneralName(gn: GeneralName): string {
  switch (gn.kind) {
    case 'dns':
      return `DNS:${gn.value}`;
    case 'email':
      return `email:${gn.value}`;
    case 'uri':
      return `URI:${gn.value}`;
    case 'directory':
      return `DirName:${gn.name.display || '(empty name)'}`;
    case 'other':
      return gn.typeId ? `${gn.form}:${gn.typeId}` : gn.form;
    case 'ip': {
      if (gn.bytes.length === 4 || gn.bytes.length === 16) return `IP:${formatIp(gn.bytes)}`;
      const half = gn.bytes.length / 2;
      const mask = gn.bytes.subarray(half);
      const prefix = prefixLength(mask);
      return `IP:${formatIp(gn.bytes.subarray(0, half))}/${prefix ?? formatIp(mask)}`;
    }
  }
}

/** How RFC 5280 names the form, for sentences: `dNSName`, `iPAddress`, `rfc822Name`, `directoryName`… */
export function formName(gn: GeneralName): string {
  switch (gn.kind) {
    case 'dns':
      return 'dNSName';
    case 'email':
      return 'rfc822Name';
    case 'uri':
      return 'uniformResourceIdentifier';
    case 'ip':
      return 'iPAddress';
    case 'directory':
      return 'directoryName';
    case 'other':
      return gn.form;
  }
}
