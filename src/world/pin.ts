import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { spkiDer } from './keys.js';

/** An RFC 7469 pin of one public key, in the encodings clients and tools use. */
export interface Pin {
  /** base64(SHA-256(DER SubjectPublicKeyInfo)): HPKP `pin-sha256`, OkHttp `sha256/`, curl `sha256//`. */
  sha256: string;
  /** The same digest in lower-case hex (what `openssl dgst` prints). */
  sha256Hex: string;
  /** base64(SHA-1(SPKI)): legacy pin sets (OkHttp 2.x `sha1/`, early HPKP drafts). */
  sha1: string;
}

/** Pin of a DER SubjectPublicKeyInfo. */
export function pinOfSpki(spki: Uint8Array): Pin {
  const sha256 = createHash('sha256').update(spki).digest();
  return {
    sha256: sha256.toString('base64'),
    sha256Hex: sha256.toString('hex'),
    sha1: createHash('sha1').update(spki).digest('base64'),
  };
}

/** Pin of a key (private or public). */
export function pinOfKey(key: KeyObject): Pin {
  return pinOfSpki(spkiDer(key));
}

/**
 * Pin of a certificate's public key. Uses the certificate's own SPKI encoding, never Node's
 * `getPeerCertificate().pubkey`, which for EC keys is only the raw point (see FIELD-NOTES).
 */
export function pinOfCertificate(cert: X509Certificate | Uint8Array): Pin {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  return pinOfKey(x.publicKey);
}

/** `sha256//B64;sha256//B64`: curl's `--pinnedpubkey` syntax. */
export function curlPinList(pins: readonly string[]): string {
  return pins.map((p) => `sha256//${p}`).join(';');
}
