import type { KeyType } from './keys.js';
import type { Pin } from './pin.js';
import type { CertDef, KeyDef } from './spec.js';

/** Format tag of `manifest.json`; bumped on incompatible changes. */
export const MANIFEST_FORMAT = 'pinprick-world/1';

/** One key as listed in `manifest.json`. */
export interface ManifestKey extends KeyDef {
  file: string;
  algorithm: string;
  pin: Pin;
}

/** One certificate as listed in `manifest.json`. */
export interface ManifestCert {
  file: string;
  /** Name of the key it certifies. */
  key: string;
  /** Name of the issuing certificate, or `self`. */
  issuer: string;
  party: CertDef['party'];
  position: CertDef['position'];
  trusted: boolean;
  description: string;
  subjectName: string;
  issuerName: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  signatureAlgorithm: string;
  pin: Pin;
  fingerprint: { sha256: string; sha1: string };
  recipeHash: string;
}

/** `certs/<world>/manifest.json`: what a world holds, readable without any private key. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  hosts: string[];
  keyType: KeyType;
  /** Seeded worlds are reproducible by anyone with the seed: never trust one on a real device. */
  seeded: boolean;
  /** SHA-256 of the seed, to refuse loading with another seed; never the seed itself. */
  seedDigest?: string;
  createdAt: string;
  updatedAt: string;
  keys: Record<string, ManifestKey>;
  certificates: Record<string, ManifestCert>;
}
