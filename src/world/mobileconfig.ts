/**
 * An Apple configuration profile (.mobileconfig) that installs the test roots on iOS, iPadOS and
 * macOS in one step: an XML property list with one root certificate payload
 * (`com.apple.security.root`, DER in PayloadContent) per root. Apple's references: "Configuration
 * Profile Reference" and developer.apple.com/documentation/devicemanagement/toplevel and
 * .../certificateroot. It is unsigned: iOS and macOS show it as "Unverified" and install it all the
 * same, which is fine for a test device (signing needs a code-signing identity a test setup lacks).
 */
import { createHash } from 'node:crypto';

/** A root the profile installs: its name (a world certificate name), display subject and DER. */
export interface ProfileRoot {
  name: string;
  subject: string;
  der: Uint8Array;
}

/** What {@link rootsProfile} needs from a world. */
export interface RootsProfileInput {
  world: string;
  /** A seeded world's keys are reproducible by anyone with the seed: the description says so. */
  seeded: boolean;
  roots: readonly ProfileRoot[];
}

/** The reverse-DNS prefix of every PayloadIdentifier pinprick writes (pinprick.test is its test domain). */
const IDENTIFIER_PREFIX = 'test.pinprick';
/** RFC 9562 §6.6 (Appendix C): the URL namespace, under which the name-based UUIDs below are taken. */
const NAMESPACE_URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/**
 * The profile's top-level PayloadIdentifier for a world. The same for every export of that world:
 * installing a profile whose identifier is already installed replaces it (Apple, TopLevel,
 * PayloadIdentifier), so a re-export after the roots changed replaces the old roots instead of
 * adding a second profile beside them.
 */
export function profileIdentifier(world: string): string {
  return `${IDENTIFIER_PREFIX}.${world}.roots`;
}

/**
 * The XML of the profile. Its UUIDs are name-based (UUIDv5, RFC 9562 §5.5) on the world and the
 * roots' SHA-256 fingerprints: an export of the same roots gives the same file, and new roots
 * (a regenerated world) give new UUIDs under the same identifier. The fingerprints are of keys
 * generated on this machine, so the UUIDs are as unique as Apple asks.
 */
export function rootsProfile(input: RootsProfileInput): string {
  const { world, roots } = input;
  const fingerprints = roots.map((r) => createHash('sha256').update(r.der).digest('hex'));
  const id = profileIdentifier(world);
  const payloads = roots.map((r, i) => ({
    PayloadType: 'com.apple.security.root',
    PayloadVersion: 1,
    PayloadIdentifier: `${id}.${r.name}`,
    PayloadUUID: nameUuid(`pinprick:${world}:root:${fingerprints[i]}`),
    PayloadDisplayName: `${r.subject} (pinprick TEST CA)`,
    PayloadCertificateFileName: `pinprick-${world}-${r.name}.cer`,
    PayloadContent: r.der,
  }));
  const seededWarning = input.seeded ? ' This world is SEEDED: anyone with the seed has these keys, so never install it on a device you use.' : '';
  return plistXml({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: id,
    PayloadUUID: nameUuid(`pinprick:${world}:roots:${fingerprints.join(',')}`),
    PayloadDisplayName: `pinprick TEST CA roots (world ${world}): test devices only`,
    PayloadDescription: `The ${roots.length} roots of pinprick's test world '${world}' (${roots.map((r) => r.name).join(', ')}). They are TEST certificate authorities: their keys are on the machine that ran pinprick, and they can issue a certificate for any host, so install this only on a test device and remove it afterwards.${seededWarning} On iOS, then turn on full trust for each root in Settings > General > About > Certificate Trust Settings.`,
    PayloadOrganization: 'pinprick',
    PayloadRemovalDisallowed: false,
    PayloadContent: payloads,
  });
}

/** A name-based UUID, version 5 (SHA-1), in the URL namespace (RFC 9562 §5.5). */
export function nameUuid(name: string): string {
  const ns = Buffer.from(NAMESPACE_URL.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5
  h[8] = (h[8]! & 0x3f) | 0x80; // variant 10 (RFC 9562 §4.1)
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

/**
 * Text as XML character data: the five markup characters escaped, and every character XML 1.0
 * cannot carry at all (C0 controls but tab, newline and return; lone surrogates; U+FFFE and
 * U+FFFF: XML 1.0 §2.2, "Char") replaced by U+FFFD, so any subject still gives a well-formed file.
 */
export function xmlText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A property list value: what {@link plistXml} writes. */
export type PlistValue = string | number | boolean | Uint8Array | readonly PlistValue[] | { readonly [key: string]: PlistValue };

/** An XML property list (Apple's PropertyList-1.0 DTD) of `value`; dictionary keys keep their order. */
export function plistXml(value: PlistValue): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
${element(value, '')}
</plist>
`;
}

function element(value: PlistValue, indent: string): string {
  const inner = indent + '\t';
  if (typeof value === 'string') return `${indent}<string>${xmlText(value)}</string>`;
  if (typeof value === 'boolean') return `${indent}<${value}/>`;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a plist integer: ${value}`);
    return `${indent}<integer>${value}</integer>`;
  }
  if (value instanceof Uint8Array) {
    // Base64 in lines of 64 characters: plist readers skip whitespace inside <data>.
    const lines = Buffer.from(value).toString('base64').match(/.{1,64}/g) ?? [];
    return `${indent}<data>\n${lines.map((l) => inner + l).join('\n')}\n${indent}</data>`;
  }
  if (Array.isArray(value)) return `${indent}<array>\n${value.map((v: PlistValue) => element(v, inner) + '\n').join('')}${indent}</array>`;
  const entries = Object.entries(value as { readonly [key: string]: PlistValue });
  return `${indent}<dict>\n${entries.map(([k, v]) => `${inner}<key>${xmlText(k)}</key>\n${element(v, inner)}\n`).join('')}${indent}</dict>`;
}
