/**
 * `pinprick lint` as a user runs it: exit 0 (nothing wrong), 1 (an error-level finding), 2 (bad
 * input, every other file still linted), the text, JSON and SARIF outputs, and the chain rules
 * against a loopback TLS server (directly and through a CONNECT proxy) and a saved PEM chain.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_MODULES } from '../../src/policy/registry.js';
import { pemOf } from '../../src/world/pem.js';
import { runCli } from '../helpers/cli.js';
import { NOW, TestPki, type TestCert } from '../helpers/pki.js';
import { tempDir } from '../helpers/tmp.js';

/** The formats the registry knows, as the error line lists them. */
const FORMAT_IDS = FORMAT_MODULES.map((m) => m.format).join(', ');
const FIXTURES = fileURLToPath(new URL('../policy/fixtures/pinprick/', import.meta.url));
const HOST = 'api.acmepay.example';
/** A pin of no key in the test PKI: an offline backup key. */
const BACKUP = 'sha256/9kJQV2tY/q9Zwu4IFV4O1mJcF++Slf4FiJOImtNWWtc=';

interface JsonResult {
  file: string;
  format: string | null;
  hosts: string[];
  pins: string[];
  findings: { rule: string; severity: string; line: number; column?: number; message: string; fix: string }[];
  error?: string;
}

// The tests only spawn the CLI (each on files it writes under its own name; the servers below answer them all): they run
// concurrently, so the CLIs use both cores while this worker waits on them.
describe.concurrent('pinprick lint', () => {
  const tmp = tempDir();
  const certsDir = join(tmp.path, 'certs');
  const lint = (args: string[], cwd = FIXTURES) => runCli(['lint', ...args], { certsDir, cwd, timeoutMs: 20_000 });
  let chain: { root: TestCert; inter: TestCert; leaf: TestCert };
  let chainFile: string;
  const profile = (name: string, pins: string[], extra = '') => {
    const file = join(tmp.path, name);
    writeFileSync(file, `# Client profile written by the release pipeline\nid: ${name.replace(/\.yaml$/, '')}\nhosts: [${HOST}]\npins:\n${pins.map((p) => `  - ${JSON.stringify(p)}\n`).join('')}${extra}`);
    return file;
  };

  beforeAll(async () => {
    const pki = new TestPki(NOW);
    const root = await pki.root('CN=Acme Root CA, O=Acme Trust Services');
    const inter = await pki.intermediate('CN=Acme Issuing CA 2026, O=Acme Trust Services', root);
    const leaf = await pki.leaf([HOST], inter);
    chain = { root, inter, leaf };
    chainFile = join(tmp.path, 'chain.pem');
    writeFileSync(chainFile, [leaf, inter, root].map((c) => pemOf(c.der, 'CERTIFICATE')).join(''));
  });
  afterAll(() => tmp.cleanup());

  it('exit 0 and one line per clean file', async () => {
    const r = await lint(['payments-api.yaml', '--at', '2026-03-01']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('payments-api.yaml: no findings (pinprick, 2 hosts, 2 pins)\n1 file: 0 errors, 0 warnings, 0 notes\n');
  });

  it('exit 1 on an error finding: file:line:col: severity rule: message (fix: ...)', async () => {
    const r = await lint(['checkout-single-pin.yaml']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^checkout-single-pin\.yaml:4:1: error single-pin: 'checkout\.acmepay\.example' has one pin \(sha256\/VIUN.*\): no backup.* \(fix: Add a second pin: .*\)$/);
    expect(r.stdout).toMatch(/\n1 file: 1 error, 0 warnings, 0 notes\n$/);
  });

  it('--json: one object per file with file, format, hosts, pins and findings', async () => {
    const r = await lint(['staging-todo.yaml', 'legacy-okhttp.json', '--json', '--at', '2026-03-01']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as JsonResult[];
    expect(json.map((j) => Object.keys(j))).toEqual([
      ['file', 'format', 'hosts', 'pins', 'findings'],
      ['file', 'format', 'hosts', 'pins', 'findings'],
    ]);
    expect(json[0]).toMatchObject({ file: 'staging-todo.yaml', format: 'pinprick', hosts: ['staging-api.acmepay.example'], pins: ['sha256/q4h1jDuhWHF1A/L5JnpwGKugbtVrmZ7Fwsmhgc8gnbs='] });
    expect(json[0]!.findings.map((f) => [f.rule, f.severity, f.line, f.column])).toEqual([
      ['not-enforced', 'warning', 9, 10],
      ['malformed-pin', 'error', 7, 5],
      ['malformed-pin', 'error', 8, 5],
    ].sort((a, b) => (a[2] as number) - (b[2] as number)));
    expect(json[1]).toMatchObject({ file: 'legacy-okhttp.json', hosts: ['api.acmepay.example', '**.cdn.acmepay.example'], pins: ['sha256/cbUXxC0pnp5FMXvmxKIggX0jD2wpYsjiVY9ng8egkVo=', 'sha1/km8MxH1jJZX5SfAzp7YCV3F2B08='] });
    expect(json[1]!.findings.map((f) => f.rule)).toEqual(['sha1-pin', 'expiration-past']);
    for (const f of json.flatMap((j) => j.findings)) expect(Object.keys(f).sort()).toEqual(['column', 'fix', 'line', 'message', 'rule', 'severity']);
  });

  it('--at moves the expiry rules: the same file before its pin set expires', async () => {
    const before = await lint(['legacy-okhttp.json', '--json', '--at', '2025-06-01']);
    expect((JSON.parse(before.stdout) as JsonResult[])[0]!.findings.map((f) => f.rule)).toEqual(['sha1-pin']);
    expect(before.code).toBe(0);
    const bad = await lint(['legacy-okhttp.json', '--at', 'next tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pinprick: --at: 'next tuesday' is not an ISO 8601 date/);
  });

  it('--sarif: a SARIF 2.1.0 log with paths relative to the working folder', async () => {
    const r = await lint(['checkout-single-pin.yaml', 'world-names.yaml', '--sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { name: string; version: string } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.tool.driver).toMatchObject({ name: 'pinprick', version: '0.1.0' });
    expect(log.runs[0]!.results.map((x) => [x.ruleId, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine])).toEqual([['single-pin', 'checkout-single-pin.yaml', 4]]);
  });

  it('a file that cannot be read or parsed among good ones: each bad one is one line on stderr, the rest are linted, exit 2', async () => {
    const broken = join(tmp.path, 'broken.yaml');
    writeFileSync(broken, 'id: broken\npins: [sha256/abc=\nhosts: [a]\n');
    const unknown = join(tmp.path, 'notes.txt');
    writeFileSync(unknown, 'Remember to rotate the API key before the audit.\n');
    const r = await lint(['payments-api.yaml', broken, 'no-such-file.yaml', unknown, 'checkout-single-pin.yaml', '--at', '2026-03-01']);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `pinprick: ${broken}:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      'pinprick: no-such-file.yaml: cannot read (ENOENT)',
      `pinprick: ${unknown}: not a pin configuration pinprick can read (formats: ${FORMAT_IDS}); name it with --format`,
    ]);
    expect(r.stdout).toContain('payments-api.yaml: no findings');
    expect(r.stdout).toContain('checkout-single-pin.yaml:4:1: error single-pin');
    expect(r.stdout).toMatch(/5 files: 1 error, 0 warnings, 0 notes; 3 not linted\n$/);
    const json = JSON.parse((await lint(['payments-api.yaml', 'no-such-file.yaml', '--json'])).stdout) as JsonResult[];
    expect(json[1]).toEqual({ file: 'no-such-file.yaml', format: null, hosts: [], pins: [], findings: [], error: 'no-such-file.yaml: cannot read (ENOENT)' });
  });

  it('text a file supplies reaches the terminal escaped', async () => {
    const file = profile('escape.yaml', ['sha256/\u001b]0;owned\u0007\u001b[2J', BACKUP]);
    const r = await lint([file]);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain('\\x1B]0;owned\\x07\\x1B[2J');
  });

  it('pinprick --help lists lint', async () => {
    const r = await runCli(['--help'], { certsDir });
    expect(r.stdout).toMatch(/pinprick lint <file\.\.>\s+Check pin configurations/);
  });

  describe('against the chain a loopback server sends', () => {
    let server: Server;
    let port: number;
    let proxy: NetServer;
    let proxyPort: number;
    const requests: string[] = [];
    /** Every socket the two servers saw: destroyed at the end, so closing never waits on a straggler. */
    const sockets = new Set<Socket>();
    const track = (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    };
    beforeAll(async () => {
      server = createServer({ key: chain.leaf.key.export({ type: 'pkcs8', format: 'pem' }), cert: [chain.leaf, chain.inter].map((c) => pemOf(c.der, 'CERTIFICATE')).join('') });
      server.on('connection', track);
      server.on('secureConnection', (s) => s.on('error', () => undefined).end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
      // A minimal HTTP CONNECT proxy: records the request line, then tunnels.
      proxy = createNetServer((client) => {
        track(client);
        client.on('error', () => undefined);
        client.once('data', (head: Buffer) => {
          const line = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
          requests.push(line);
          const m = /^CONNECT ([^:\s]+):(\d+) HTTP\/1\.1$/.exec(line);
          if (!m) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
          const upstream = netConnect({ host: m[1]!, port: Number(m[2]) }, () => {
            track(upstream);
            client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
            client.pipe(upstream).pipe(client);
          });
          upstream.on('error', () => client.destroy());
          client.on('close', () => upstream.destroy());
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxyPort = (proxy.address() as AddressInfo).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => proxy.close(() => r()));
    });
    const against = () => ['--against', `127.0.0.1:${port}`, '--sni', HOST, '--timeout', '5000'];

    it('pins of the served intermediate plus a backup: exit 0', async () => {
      const r = await lint([profile('good.yaml', [`sha256/${chain.inter.pin}`, BACKUP]), ...against()]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/good\.yaml: no findings/);
      expect(r.code).toBe(0);
    });

    it('pins that match nothing the server sends: pin-matches-nothing, exit 1', async () => {
      const file = profile('stale.yaml', ['sha256/kjrUvx6A2vUJGVFH2QOtwwGtCZ/PhO12CjaCe9yREco=', BACKUP]);
      const r = await lint([file, ...against()]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`stale\\.yaml:4:1: error pin-matches-nothing: '${HOST.replace(/\./g, '\\.')}' \\(127\\.0\\.0\\.1:${port}\\): no pin matches a key of the chain served \\('${HOST.replace(/\./g, '\\.')}' <- 'Acme Issuing CA 2026'\\); the chain stops at 'Acme Issuing CA 2026', whose issuer 'CN=Acme Root CA, O=Acme Trust Services' is not among the roots known here`));
    });

    it('leaf and backup only: leaf-only-pins, a warning (exit 0)', async () => {
      const r = await lint([profile('leaf.yaml', [`sha256/${chain.leaf.pin}`, BACKUP]), ...against()]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/leaf\.yaml:4:1: warning leaf-only-pins: .*the only key the pins match is the leaf's \('api\.acmepay\.example'\)/);
    });

    it('through --proxy: the same answer, and the proxy saw the CONNECT', async () => {
      const r = await lint([profile('stale2.yaml', ['sha256/kjrUvx6A2vUJGVFH2QOtwwGtCZ/PhO12CjaCe9yREco=', BACKUP]), ...against(), '--proxy', `127.0.0.1:${proxyPort}`]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('error pin-matches-nothing');
      expect(requests).toContain(`CONNECT 127.0.0.1:${port} HTTP/1.1`);
    });

    it('a server that cannot be reached is bad input: one line, exit 2', async () => {
      const closed = createNetServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const r = await lint(['payments-api.yaml', '--against', `127.0.0.1:${closedPort}`, '--timeout', '3000']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`pinprick: cannot connect to 127.0.0.1:${closedPort}: connect ECONNREFUSED\n`);
      expect(r.stdout).toBe('');
    });
  });

  describe('against a saved chain (--chain)', () => {
    it('a root pin matches once the chain file holds the root; the leaf names the host', async () => {
      const r = await lint([profile('root.yaml', [`sha256/${chain.root.pin}`, BACKUP]), '--chain', chainFile]);
      expect(r.stdout).toMatch(/root\.yaml: no findings/);
      expect(r.code).toBe(0);
    });

    it('a chain for a host the file does not pin is said to be not compared (a note)', async () => {
      const r = await lint([profile('other.yaml', [`sha256/${chain.inter.pin}`, BACKUP]), '--chain', chainFile, '--host', 'cdn.acmepay.example']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/other\.yaml:1:1: note chain-not-compared: no pin set of this file covers 'cdn\.acmepay\.example' \(.*chain\.pem\)/);
    });

    it('a file that is not a chain is bad input', async () => {
      const r = await lint(['payments-api.yaml', '--chain', join(FIXTURES, 'payments-api.yaml')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^pinprick: .*payments-api\.yaml: not a certificate chain \(/);
    });
  });
});
