import type { Verdict } from '../model/index.js';
import type { Position } from '../world/spec.js';
import type { World } from '../world/world.js';

/** A key the world names: what a profile's `pins:` lists. */
export interface NamedKey {
  name: string;
  position: Position;
  /** RFC 7469 pin (base64 SHA-256 of the SPKI). */
  pin: string;
}

/** The world's keys by name, for fixes that name them. */
export function namedKeys(world: World): NamedKey[] {
  return world.allKeys().map((k) => ({ name: k.name, position: k.def.position, pin: k.pin.sha256 }));
}

const pinText = (pin: string) => `sha256/${pin}`;
const or = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);

/**
 * How a pin set survives a rotation it cannot survive today (POLICY-RISK), computed from the
 * reference model's path for the new chain: name the keys on that path (CA keys first: they
 * outlive leaf renewals, RFC 7469 section 4.3 and Android's network-security-config advice to pin
 * a CA or backup key), and the backup key the new certificate uses, if it uses one; else the
 * world's backup keys, to issue the next certificate with (the pinned ones first). `ending` says
 * when to ship it: before the server changes (the harness, which tests a rotation to come), or
 * before the chain is served again (the monitor, which has seen it served). Pure.
 */
export function policyFix(expected: Verdict, keys: readonly NamedKey[], pinned: ReadonlySet<string> = new Set(), ending = 'ship the pin set before the server changes'): string {
  const chosen = expected.chosenPath === undefined ? undefined : expected.paths[expected.chosenPath];
  const byPin = new Map(keys.map((k) => [k.pin, k]));
  const path = chosen?.certificates ?? [];
  const describe = (c: { pin: string; subject: string }) => {
    const k = byPin.get(c.pin);
    return `${k ? k.name : `the key of ${c.subject}`} (${pinText(c.pin)})`;
  };
  const ca = path.slice(1).reverse(); // root first: it changes least often
  const leaf = path[0];
  const leafKey = leaf && byPin.get(leaf.pin);
  const parts: string[] = [];
  if (ca.length) parts.push(`add ${or(ca.map(describe))}, which ${ca.length === 1 ? 'is' : 'are'} on the new path`);
  if (leafKey?.position === 'backup') parts.push(`${parts.length ? 'or ' : 'add '}${describe(leaf!)}, the backup key the new certificate uses`);
  else {
    // A backup key already in the pin set is the cheapest fix: issue the new certificate with it.
    const backups = keys.filter((k) => k.position === 'backup');
    const pinnedBackups = backups.filter((k) => pinned.has(k.pin));
    if (pinnedBackups.length) parts.push(`${parts.length ? 'or ' : ''}issue the new certificate with ${or(pinnedBackups.map((k) => k.name))}, the backup key${pinnedBackups.length === 1 ? '' : 's'} already pinned`);
    else if (backups.length) parts.push(`${parts.length ? 'or ' : ''}pin a backup key (${backups.map((k) => k.name).join(', ')}) and issue the new certificate with it`);
    else if (!ca.length) parts.push('pin a CA key the server keeps, or an offline backup key the new certificate will use');
  }
  return `${parts.join('; ')}; ${ending}`;
}
