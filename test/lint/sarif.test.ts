/**
 * `pinprick lint --sarif` is a SARIF 2.1.0 log that the official JSON schema accepts (vendored in
 * test/fixtures/sarif/, see its README for where it comes from), with every rule described and
 * every result pointing at the file, line and column lint found it at.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { LINT_RULE_IDS, LINT_RULES, distinctPins, lintPolicy, policyHosts } from '../../src/lint/rules.js';
import { artifactUri, sarifLog, type LintFileResult } from '../../src/lint/sarif.js';
import type { PolicyPin } from '../../src/model/policy.js';
import type { ReadPolicy } from '../../src/policy/format.js';

const SCHEMA_FILE = new URL('../fixtures/sarif/sarif-2.1.0-rtm.5.json', import.meta.url);

/**
 * The schema compiled with ajv 8, which speaks draft-07: the draft-04 schema is used as it is once
 * its top-level `id` is called `$id`, which is sound because it uses no keyword whose meaning
 * changed after draft-04 (boolean exclusiveMinimum/Maximum: checked here).
 */
function compileSchema(): ValidateFunction {
  const text = readFileSync(SCHEMA_FILE, 'utf8');
  expect(text).not.toMatch(/"exclusive(Minimum|Maximum)"/);
  const schema = JSON.parse(text) as Record<string, unknown>;
  expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  const { $schema: _draft, id, ...rest } = schema;
  // unicodeRegExp off: the schema's `language` pattern (`...[a-zA-Z]{2}]?$`) has a lone `]`, valid
  // in a JavaScript regular expression only without the u flag, as draft-04 validators ran it.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  // The three formats the schema names (ajv-formats is not a dependency): RFC 3986 URIs and RFC 3339 times.
  ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(s) && URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s) && URL.canParse(s, 'file:///base/'));
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s));
  return ajv.compile({ ...rest, $id: id as string });
}

const pin = (name: string): PolicyPin => ({ hash: 'sha256', value: createHash('sha256').update(name).digest('base64') });

function read(file: string, pins: PolicyPin[], line: number): ReadPolicy {
  return {
    file,
    format: 'android-nsc',
    policy: { rules: [{ domains: [{ pattern: 'api.example.com' }], pins, enforce: true, expiration: new Date('2026-01-31T00:00:00Z') }] },
    sources: [{ at: { line, column: 9 }, pins: pins.map((_, j) => ({ line: line + 1 + j, column: 17 })), expiration: { line, column: 18 } }],
    notes: [{ kind: 'debug-overrides', at: { line: 3, column: 5 }, detail: '<debug-overrides> trusts user CAs' }],
  };
}

function resultOf(r: ReadPolicy): LintFileResult {
  return { file: r.file, format: r.format, hosts: policyHosts(r), pins: distinctPins(r), findings: lintPolicy(r, { at: new Date('2026-03-01T00:00:00Z') }) };
}

const CWD = '/work/app';
type Log = { runs: { tool: { driver: { name: string; version: string; rules: { id: string; defaultConfiguration: { level: string }; helpUri?: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn?: number } } }[] }[]; invocations: { executionSuccessful: boolean; toolExecutionNotifications?: { message: { text: string } }[] }[] }[] };

describe('SARIF output', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    validate = compileSchema();
  });

  const good = resultOf(read(join(CWD, 'app/src/main/res/xml/network_security_config.xml'), [pin('intermediate')], 12));
  const spaced = resultOf(read(join(CWD, 'flavors/play store/res/xml/nsc#2.xml'), [pin('a'), pin('b')], 20));
  const broken: LintFileResult = { file: 'ios/Info.plist', hosts: [], pins: [], findings: [], error: 'ios/Info.plist:14:3: unexpected close tag' };
  const log = sarifLog([good, spaced, broken], { version: '0.1.0', cwd: CWD }) as unknown as Log;

  it('is valid against the SARIF 2.1.0 schema', () => {
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // And a clean run (no result, no failure) too.
    expect(validate(sarifLog([], { version: '0.1.0', informationUri: 'https://example.com/pinprick', cwd: CWD }))).toBe(true);
  });

  it('the validator is not a rubber stamp: it rejects a level SARIF does not have and a line 0', () => {
    const bad = structuredClone(log);
    bad.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(bad)).toBe(false);
    const zero = structuredClone(log);
    zero.runs[0]!.results[0]!.locations[0]!.physicalLocation.region.startLine = 0;
    expect(validate(zero)).toBe(false);
  });

  it('describes every rule of the table, with its severity as the default level', () => {
    const driver = log.runs[0]!.tool.driver;
    expect(driver).toMatchObject({ name: 'pinprick', version: '0.1.0' });
    expect(driver.rules.map((r) => r.id)).toEqual([...LINT_RULE_IDS]);
    for (const r of driver.rules) {
      expect(r.defaultConfiguration.level).toBe(LINT_RULES[r.id as (typeof LINT_RULE_IDS)[number]].severity);
      if (r.helpUri !== undefined) expect(r.helpUri).toMatch(/^https:\/\//);
    }
  });

  it('puts each result at its file (relative, forward slashes, percent-encoded), line and column', () => {
    const results = log.runs[0]!.results;
    const at = (ruleId: string, uri: string) => results.find((r) => r.ruleId === ruleId && r.locations[0]!.physicalLocation.artifactLocation.uri === uri);
    const single = at('single-pin', 'app/src/main/res/xml/network_security_config.xml');
    expect(single?.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: 'app/src/main/res/xml/network_security_config.xml', uriBaseId: 'SRCROOT' }, region: { startLine: 12, startColumn: 9 } });
    expect(single?.level).toBe('error');
    expect(log.runs[0]!.tool.driver.rules[single!.ruleIndex]!.id).toBe('single-pin');
    const expired = at('expiration-past', 'flavors/play%20store/res/xml/nsc%232.xml');
    expect(expired?.locations[0]!.physicalLocation.region).toEqual({ startLine: 20, startColumn: 18 });
    expect(at('debug-user-ca', 'flavors/play%20store/res/xml/nsc%232.xml')?.level).toBe('note');
    // Every finding of both files is a result, no more.
    expect(results).toHaveLength(good.findings.length + spaced.findings.length);
  });

  it('a file that could not be read is a failed invocation with its one line, not a result', () => {
    const invocation = log.runs[0]!.invocations[0]!;
    expect(invocation.executionSuccessful).toBe(false);
    expect(invocation.toolExecutionNotifications?.map((n) => n.message.text)).toEqual(['ios/Info.plist:14:3: unexpected close tag']);
    expect(sarifLog([good], { version: '0.1.0', cwd: CWD })).toMatchObject({ runs: [{ invocations: [{ executionSuccessful: true }] }] });
  });

  it('a file outside the working folder is named by its file: URL', () => {
    expect(artifactUri('/etc/pins/nsc.xml', CWD)).toEqual({ uri: 'file:///etc/pins/nsc.xml' });
    expect(artifactUri('res/xml/nsc.xml', CWD)).toEqual({ uri: 'res/xml/nsc.xml', uriBaseId: 'SRCROOT' });
  });
});
