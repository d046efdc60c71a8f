/**
 * The nameConstraints a recipe asks for (RFC 5280 4.2.1.10): checked with one-line messages, and
 * written as the extension's DER value. @peculiar/x509 has no NameConstraints extension, so the
 * value is written here with a few lines of DER; directoryName subtrees are Names encoded by the
 * caller (the recipe layer encodes them as it encodes subjects).
 */
import { hostNameProblem, ipAddressBytes } from '../model/hostname.js';

/** Subtrees of each form: `dns` names (`example.com`, or `.example.com` for subdomains only), `ip` networks (`10.0.0.0/8`, `2001:db8::/32`), `email` (`user@host`, `host`, `.domain`), `directory` DNs (`O=Example, C=NL`). */
export interface NameSubtrees {
  dns?: string[];
  ip?: string[];
  email?: string[];
  directory?: string[];
}

/** What a CA certificate constrains the names below it to: permitted and excluded subtrees. */
export interface NameConstraintsRecipe {
  permitted?: NameSubtrees;
  excluded?: NameSubtrees;
}

/** One problem of a nameConstraints recipe: where under `nameConstraints` (`['permitted', 'ip', 0]`) and what. */
export interface NameConstraintsProblem {
  path: (string | number)[];
  message: string;
}

const FORMS = ['dns', 'ip', 'email', 'directory'] as const;

/** What keeps a DNS subtree (`example.com`, `.example.com`) from being one, or undefined. */
function domainProblem(value: string): string | undefined {
  const name = value.startsWith('.') ? value.slice(1) : value;
  if (name === '') return 'it is empty';
  if (name.includes('*')) return 'a constraint has no wildcard (example.com already covers its subdomains)';
  return hostNameProblem(name) ?? (ipAddressBytes(name) ? 'it is an IP address (put it under ip: as a network)' : undefined);
}

/** A DNS subtree: a host name, or one with a leading dot (subdomains only, as OpenSSL and Go read it). */
function dnsProblem(value: string): string | undefined {
  const problem = domainProblem(value);
  return problem && `'${value}' is not a DNS name or .domain: ${problem}`;
}

/** The network of an IP subtree: `address/prefix`, the address without bits set past the prefix. */
function parseNetwork(value: string): { bytes: Uint8Array; mask: Uint8Array } | string {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const bytes = m ? ipAddressBytes(m[1]!) : undefined;
  if (!m || !bytes) return `'${value}' is not an IP network: write address/prefix, such as 192.0.2.0/24 or 2001:db8::/32`;
  const prefix = Number(m[2]);
  if (prefix > bytes.length * 8) return `'${value}': the prefix /${prefix} is longer than the ${bytes.length * 8} bits of the address`;
  const mask = new Uint8Array(bytes.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3]! |= 0x80 >> (bit & 7);
  if (bytes.some((b, i) => (b & ~mask[i]!) !== 0)) return `'${value}' has bits set past its /${prefix} prefix: write the network address`;
  return { bytes, mask };
}

/** An email subtree: a mailbox, a host, or a .domain. */
function emailProblem(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  const host = value.slice(at + 1);
  if (at === 0) return `'${value}' has nothing before its '@': write the host alone for every mailbox there`;
  if (at > 0 && host.startsWith('.')) return `'${value}' is a mailbox at '${host}', which is not a host`;
  const problem = domainProblem(host);
  return problem && `'${value}' is not a mailbox, host or .domain: ${problem}`;
}

/** A directory subtree: DN text, as a recipe's subject is written. */
function directoryProblem(value: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9.]*=/.test(value) ? undefined : `'${value}' is not a distinguished name such as O=Example, C=NL`;
}

const CHECKS: Record<(typeof FORMS)[number], (value: string) => string | undefined> = {
  dns: dnsProblem,
  ip: (value) => {
    const r = parseNetwork(value);
    return typeof r === 'string' ? r : undefined;
  },
  email: emailProblem,
  directory: directoryProblem,
};

/**
 * Every problem of a nameConstraints recipe, one line each: at least one subtree (RFC 5280: the
 * extension has permittedSubtrees or excludedSubtrees, each of one subtree or more), and each
 * value of its form.
 */
export function nameConstraintsProblems(nc: NameConstraintsRecipe): NameConstraintsProblem[] {
  const problems: NameConstraintsProblem[] = [];
  for (const list of ['permitted', 'excluded'] as const) {
    const trees = nc[list];
    if (trees === undefined) continue;
    let here = 0;
    for (const form of FORMS) {
      (trees[form] ?? []).forEach((value, i) => {
        here++;
        const problem = CHECKS[form](value);
        if (problem) problems.push({ path: [list, form, i], message: problem });
      });
    }
    if (here === 0) problems.push({ path: [list], message: `${list} has no subtree: give dns, ip, email or directory entries, or leave ${list} out` });
  }
  if (nc.permitted === undefined && nc.excluded === undefined) problems.push({ path: [], message: 'give permitted or excluded subtrees (dns, ip, email, directory)' });
  return problems;
}

/** One TLV with a DER length. */
function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const length: number[] = [];
  if (n < 0x80) length.push(n);
  else {
    for (let v = n; v > 0; v = Math.floor(v / 256)) length.unshift(v & 0xff);
    length.unshift(0x80 | length.length);
  }
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

/**
 * The DER extnValue of the constraints (check them with {@link nameConstraintsProblems} first):
 * `SEQUENCE { [0] permitted, [1] excluded }`, each subtree a `SEQUENCE { GeneralName }` with no
 * minimum or maximum. `nameDer` encodes a directory subtree's DN text as a Name.
 */
export function nameConstraintsValue(nc: NameConstraintsRecipe, nameDer: (dn: string) => Uint8Array): Buffer {
  const subtrees = (trees: NameSubtrees): Buffer[] => [
    ...(trees.dns ?? []).map((v) => tlv(0x30, tlv(0x82, Buffer.from(v, 'latin1')))),
    ...(trees.ip ?? []).map((v) => {
      const net = parseNetwork(v);
      if (typeof net === 'string') throw new RangeError(net);
      return tlv(0x30, tlv(0x87, net.bytes, net.mask));
    }),
    ...(trees.email ?? []).map((v) => tlv(0x30, tlv(0x81, Buffer.from(v, 'latin1')))),
    ...(trees.directory ?? []).map((v) => tlv(0x30, tlv(0xa4, nameDer(v)))),
  ];
  return tlv(0x30, ...(nc.permitted ? [tlv(0xa0, ...subtrees(nc.permitted))] : []), ...(nc.excluded ? [tlv(0xa1, ...subtrees(nc.excluded))] : []));
}

/** The problems as one line: `nameConstraints.permitted.ip[0]: '10.0.0.1/8' has bits set…`. */
export function describeNameConstraintsProblem(p: NameConstraintsProblem): string {
  const where = p.path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
  return `nameConstraints${where}: ${p.message}`;
}
