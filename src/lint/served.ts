/**
 * The chain `lint --against` fetched or `lint --chain` read, made ready for the chain rules: each
 * certificate parsed once, the roots that may complete it, and the names it is for.
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { InputError } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from '../model/certificate.js';
import { chainHosts, type ServedKeys } from './rules.js';

/**
 * The roots Node ships (Mozilla's store, `tls.rootCertificates`), parsed on first use. Servers
 * seldom send their root (RFC 8446 section 4.4.2 lets them leave it out), so a pin on the root's key
 * can only be compared once the chain is completed with a root a client would have.
 */
let publicRootsCache: ParsedCertificate[] | undefined;
export function publicRoots(): ParsedCertificate[] {
  publicRootsCache ??= rootCertificates.flatMap((pem) => {
    try {
      return [parseCertificate(new X509Certificate(pem).raw)];
    } catch {
      // A root the model cannot parse cannot complete a path either.
      return [];
    }
  });
  return publicRootsCache;
}

/**
 * The keys of a chain as sent (`source` names where it came from). Anchors: the self-issued
 * certificates among them (a `--chain` file that ends with its root) and `roots`. The names:
 * `host` when given, else the leaf's subjectAltName.
 */
export function servedKeys(source: string, der: readonly Uint8Array[], options: { host?: string; roots?: readonly ParsedCertificate[] } = {}): ServedKeys {
  const certificates = der.map((d, i) => {
    try {
      return parseCertificate(d);
    } catch (err) {
      throw new InputError(`${source}: certificate ${i + 1} cannot be read: ${(err as Error).message}`);
    }
  });
  if (!certificates.length) throw new InputError(`${source}: no certificate`);
  const anchors = [...certificates.filter((c) => c.selfIssued), ...(options.roots ?? [])];
  return { source, hosts: options.host ? [options.host] : chainHosts(certificates[0]!), certificates, anchors };
}
