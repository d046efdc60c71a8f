/**
 * Instructions per new CONNECT connection, counted by valgrind's callgrind: pinprick against the
 * minimal CONNECT proxy of bench/proxy.ts (with Node's default session tickets, and without, like
 * pinprick). Instruction counts do not drift with the machine (20-35 % between runs here for
 * times), so they tell small per-connection differences apart; they leave out the kernel and
 * cache misses, so they are a floor, not a forecast of throughput.
 *
 * How: each server runs alone in its own process under `valgrind --tool=callgrind` (pinned to CPU
 * 0; bench/proxy.ts's server role); a Node load (bench/lib/tls-load.ts, in this process) makes W
 * warm-up connections, callgrind_control dumps the counts, N more connections are made, dumped
 * again: the second dump over N is the figure (start-up and most JIT warm-up fall in the first).
 *
 * Run: npx tsx bench/instructions.ts [--warm W (2500)] [--count N (1000)] [--only pinprick,...]
 * About 3 minutes per server. Needs valgrind (Debian package valgrind).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './lib/proc.js';
import { runLoad } from './lib/tls-load.js';
import { writeServerFiles } from './lib/server-files.js';
import type { KeyType } from '../src/world/keys.js';

const flags = parseFlags(process.argv.slice(2));
const warm = flags.get('warm', 2_500);
const count = flags.get('count', 1_000);
const servers = flags.str('only', 'minimal,minimal-no-ticket,pinprick').split(',');
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind not found (Debian package valgrind)');
  process.exit(2);
}

const BENCH = fileURLToPath(new URL('./proxy.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'pinprick-instructions-'));
try {
  const keyType: KeyType = 'ec-p256';
  await writeServerFiles(dir, keyType);

  const results: { server: string; perConnection: number }[] = [];
  for (const server of servers) {
    const out = join(dir, `callgrind-${server}`);
    const child = spawn('taskset', ['-c', '0', 'valgrind', '--tool=callgrind', `--callgrind-out-file=${out}.%p`, process.execPath, '--import', TSX, BENCH, 'server', server, dir, keyType], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const ports = await new Promise<Record<string, number>>((resolve, reject) => {
      child.once('message', (m) => resolve(m as Record<string, number>));
      child.once('exit', (code) => reject(new Error(`${server} exited (${code}): ${stderr.slice(-1000)}`)));
    });
    const proxyPort = server === 'pinprick' ? ports.pinprickProxy : server === 'minimal' ? ports.minimal : ports.minimalNoTicket;
    const dump = () => spawnSync('callgrind_control', ['--dump', String(child.pid)], { stdio: 'ignore' });
    const first = await runLoad({ mode: 'new', proxyPort, concurrency: 16, seconds: 3_600, count: warm, timeoutMs: 60_000 });
    dump();
    const second = await runLoad({ mode: 'new', proxyPort, concurrency: 16, seconds: 3_600, count, timeoutMs: 60_000 });
    dump();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const errors = Object.keys(first.errors).length + Object.keys(second.errors).length;
    // Dumps are numbered .1, .2 per process; each holds the counts since the one before.
    const part2 = readdirSync(dir).find((f) => f.startsWith(`callgrind-${server}.`) && f.endsWith('.2'));
    const total = part2 ? Number(/^summary: (\d+)/m.exec(readFileSync(join(dir, part2), 'utf8'))?.[1]) : NaN;
    const perConnection = total / second.done;
    results.push({ server, perConnection });
    console.error(`  ${server}: ${first.done} warm-up and ${second.done} measured connections${errors ? ` (errors: ${JSON.stringify({ ...first.errors, ...second.errors })})` : ''}: ${(perConnection / 1e6).toFixed(3)} M instructions each`);
  }
  console.log(`Instructions per new CONNECT connection (ECDSA P-256, control-genuine, callgrind; ${warm} warm-up, then ${count} counted):`);
  const base = results.find((r) => r.server === 'pinprick');
  for (const r of results) console.log(`${r.server.padEnd(18)} ${(r.perConnection / 1e6).toFixed(3)} M${base && r !== base ? `   pinprick executes ${(base.perConnection / r.perConnection).toFixed(3)}x as many` : ''}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
