/**
 * `nameConstraints:` in a scenario's certificates: the schema takes the four forms, the loader
 * checks each value and that the certificate is a CA, each problem one located line.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { derivedSpec } from '../../src/scenario/materialize.js';
import { parseScenario, validateScenario } from '../../src/scenario/scenario.js';
import { defaultWorldSpec } from '../../src/world/spec.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const spec = defaultWorldSpec();

/** A scenario whose one derived CA carries `constraints` (YAML lines under nameConstraints:, indented 6). */
const scenario = (constraints: string, ca = 'true') => `id: nc-test
title: Name constraints
category: attack
description: A constrained sub-CA.
expect: reject
certificates:
  sub:
    subject: CN=Sub, O=Test
    key: rogue-intermediate
    issuer: genuine-root
    ca: ${ca}
    nameConstraints:
${constraints}
  leaf:
    from: rogue-leaf
    issuer: sub
chain: [leaf, sub]
`;

describe('nameConstraints in a scenario', () => {
  it('loads, and reaches the recipe of the derived certificate', () => {
    const s = parseScenario('nc.yaml', scenario('      permitted:\n        dns: [partner.example]\n        ip: [192.0.2.0/24]\n      excluded:\n        email: [.secret.partner.example]\n        directory: ["O=Evil"]'), spec, NOW);
    expect(derivedSpec(s, spec).certs.sub!.nameConstraints).toEqual({ permitted: { dns: ['partner.example'], ip: ['192.0.2.0/24'] }, excluded: { email: ['.secret.partner.example'], directory: ['O=Evil'] } });
    // A leaf derived from a world leaf inherits no constraints.
    expect(derivedSpec(s, spec).certs.leaf!.nameConstraints).toBeUndefined();
  });

  it('reports every bad value at its line, and a non-CA at the key', () => {
    const problems = validateScenario('nc.yaml', scenario('      permitted:\n        ip: [10.0.0.1/8, "2001:db8::"]\n        dns: ["*.partner.example"]', 'false'), spec, NOW).problems.map((p) => p.message);
    expect(problems).toEqual([
      'nc.yaml:12:5: certificates.sub.nameConstraints: impossible: nameConstraints needs ca: true (RFC 5280 4.2.1.10: CA certificates only)',
      "nc.yaml:14:14: certificates.sub.nameConstraints.permitted.ip[0]: '10.0.0.1/8' has bits set past its /8 prefix: write the network address",
      "nc.yaml:14:26: certificates.sub.nameConstraints.permitted.ip[1]: '2001:db8::' is not an IP network: write address/prefix, such as 192.0.2.0/24 or 2001:db8::/32",
      "nc.yaml:15:15: certificates.sub.nameConstraints.permitted.dns[0]: '*.partner.example' is not a DNS name or .domain: a constraint has no wildcard (example.com already covers its subdomains)",
    ]);
  });

  it('the schema refuses an unknown form or list, one line', () => {
    expect(() => parseScenario('nc.yaml', scenario('      permitted:\n        uri: [partner.example]'), spec, NOW)).toThrow(ScenarioError);
    expect(() => parseScenario('nc.yaml', scenario('      permited:\n        dns: [partner.example]'), spec, NOW)).toThrow(/^nc\.yaml:13:7: .*permited/);
  });
});
