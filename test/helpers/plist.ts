import { spawnSync } from 'node:child_process';

/** Python's plistlib is here (Debian: python3, which .ci/run installs); in CI a missing one fails instead of skipping. */
export const NO_PLISTLIB = spawnSync('python3', ['-c', 'import plistlib'], { stdio: 'ignore' }).status !== 0 && !process.env.CI;

/**
 * A property list as Python's plistlib (a real plist parser, on expat: malformed XML fails) reads
 * it, returned as JSON with each <data> as {"data": base64}. Throws with plistlib's error.
 */
export function plistlibRead(xml: string | Buffer): unknown {
  const script = `import json, plistlib, sys, base64
def j(v):
    if isinstance(v, bytes): return {"data": base64.b64encode(v).decode()}
    if isinstance(v, dict): return {k: j(x) for k, x in v.items()}
    if isinstance(v, list): return [j(x) for x in v]
    return v
print(json.dumps(j(plistlib.loads(sys.stdin.buffer.read()))))`;
  const r = spawnSync('python3', ['-c', script], { input: xml, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`plistlib refused the file: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
