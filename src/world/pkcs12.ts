/**
 * A PKCS#12 (.p12) trust store: certificates only, never a private key. Windows' certificate
 * import, Java's `keytool -importkeystore` and most MDM tools take trusted roots as a .p12.
 * node-forge writes it: it has the PKCS#12 key derivation (RFC 7292, appendix B) that Node's
 * crypto lacks, and DER building; it is imported on first use only, so no other command loads it.
 */
import type * as Forge from 'node-forge';

/**
 * The password of every trust store pinprick writes (the .p12 here, the .jks of jks.ts): one word
 * opens both. It protects nothing (the files hold only public certificates; the password keys the
 * MAC or digest that seals them), but importers disagree on an empty one (an empty string or no
 * password at all) and some refuse it, while all take a plain word. OpenSSL 3.0 and keytool 17
 * accept both here (test/cli/ca.test.ts opens the files with each). A JKS opened without a password
 * skips the integrity check, so a JVM given no trustStorePassword still reads the roots.
 */
export const TRUST_STORE_PASSWORD = 'pinprick';

/**
 * Java's "trusted for" bag attribute (Oracle OID 2.16.840.1.113894.746875.1.1). Java's PKCS#12
 * keystore turns a certificate bag into a trustedCertEntry only when it carries this attribute:
 * without it `keytool -list` shows 0 entries (what `openssl pkcs12 -export -nokeys` gives).
 */
const ORACLE_TRUSTED_KEY_USAGE = '2.16.840.1.113894.746875.1.1';
/** anyExtendedKeyUsage (RFC 5280): trusted for every purpose, as keytool -importcert marks roots. */
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
/**
 * MAC iterations: OpenSSL's and Java's default. The MAC is HMAC-SHA1 with the PKCS#12 key
 * derivation, which every importer reads (HMAC-SHA256 needs Java 8u301 or Windows 10 1709).
 */
const MAC_ITERATIONS = 2048;

/** One certificate of the store: its DER and the alias (friendly name) importers list it under. */
export interface TrustedCertificate {
  der: Uint8Array;
  alias: string;
}

/**
 * The DER of a PKCS#12 file holding `certs` as trusted certificates (each with its alias and
 * Java's trusted attribute), unencrypted (they are public), sealed with an HMAC under `password`.
 */
export async function pkcs12TrustStore(certs: readonly TrustedCertificate[], password = TRUST_STORE_PASSWORD): Promise<Buffer> {
  const forge = ((await import('node-forge')) as unknown as { default: typeof Forge }).default;
  const { asn1, pki } = forge;
  const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
  const seq = (items: Forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, items);
  const set = (items: Forge.asn1.Asn1[]) => asn1.create(UNIVERSAL, asn1.Type.SET, true, items);
  const oid = (id: string) => asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
  const octets = (bytes: string) => asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
  const explicit0 = (inner: Forge.asn1.Asn1) => asn1.create(CONTEXT_SPECIFIC, 0, true, [inner]);
  const binary = (bytes: Uint8Array) => Buffer.from(bytes).toString('binary');

  // SafeBag { certBag, CertBag { x509Certificate, DER }, { friendlyName, trusted for any purpose } }
  const bags = certs.map((c) =>
    seq([
      oid(pki.oids.certBag!),
      explicit0(seq([oid(pki.oids.x509Certificate!), explicit0(octets(binary(c.der)))])),
      set([
        seq([oid(pki.oids.friendlyName!), set([asn1.create(UNIVERSAL, asn1.Type.BMPSTRING, false, c.alias)])]),
        seq([oid(ORACLE_TRUSTED_KEY_USAGE), set([oid(ANY_EXTENDED_KEY_USAGE)])]),
      ]),
    ]),
  );
  // AuthenticatedSafe: one ContentInfo of type data holding the SafeContents.
  const data = (der: string) => seq([oid(pki.oids.data!), explicit0(octets(der))]);
  const authSafe = asn1.toDer(seq([data(asn1.toDer(seq(bags)).getBytes())])).getBytes();

  const salt = forge.random.getBytesSync(8);
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, MAC_ITERATIONS, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey.getBytes());
  hmac.update(authSafe);
  const macData = seq([
    seq([seq([oid(pki.oids.sha1!), asn1.create(UNIVERSAL, asn1.Type.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(salt),
    asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(MAC_ITERATIONS).getBytes()),
  ]);
  // PFX { version 3, authSafe, macData }
  const pfx = seq([asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()), data(authSafe), macData]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}
