/**
 * Loopback clients shared by the tests that put real platform clients in front of a local TLS
 * server (test/e2e/*-clients.test.ts): a bounded process runner, and a Go crypto/tls client built
 * once per test file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Run a client with a deadline (SIGKILL past it); asynchronous, so an in-process server keeps serving. */
export function runBounded(cmd: string, args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}) });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** crypto/tls with only the roots of the file given, for localhost at 127.0.0.1:PORT; ACCEPT or REJECT <error>. */
export const GO_CLIENT = `package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	pem, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	d := &net.Dialer{Timeout: 10 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", "127.0.0.1:"+os.Args[1], &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		fmt.Println("REJECT", err)
		os.Exit(1)
	}
	c.Close()
	fmt.Println("ACCEPT")
}
`;

/**
 * Build {@link GO_CLIENT} into `dir` (GOCACHE and GOPATH there too: nothing written to $HOME) and
 * return the binary's path: `BINARY PORT ROOTS.pem` prints ACCEPT or REJECT <error>.
 */
export async function buildGoClient(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.go'), GO_CLIENT);
  const binary = join(dir, 'client');
  const env = { ...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') };
  const built = await runBounded('go', ['build', '-o', binary, join(dir, 'main.go')], { timeoutMs: 180_000, env });
  if (built.status !== 0 || !existsSync(binary)) throw new Error(`go build failed: ${built.output}`);
  return binary;
}
