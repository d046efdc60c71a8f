import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-file.js';
import { tempDir } from './helpers/tmp.js';

describe('writeFileAtomic', () => {
  const tmp = tempDir('pinprick-atomic-');
  afterAll(() => tmp.cleanup());

  it('writes the file with mode 0600 whatever the umask, and leaves no temporary file', () => {
    const dir = join(tmp.path, 'a');
    mkdirSync(dir);
    const old = process.umask(0o277);
    try {
      writeFileAtomic(join(dir, 'state.json'), '{"a":1}');
    } finally {
      process.umask(old);
    }
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"a":1}');
    expect(lstatSync(join(dir, 'state.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('replaces an existing file', () => {
    const file = join(tmp.path, 'b.json');
    writeFileSync(file, 'old');
    writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
  });

  it('replaces a symlink planted at the name instead of writing through it', () => {
    const dir = join(tmp.path, 'c');
    mkdirSync(dir);
    const victim = join(tmp.path, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'state.json'));
    writeFileAtomic(join(dir, 'state.json'), 'mine');
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'state.json')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('mine');
  });

  it('throws the file system error when the folder is missing, and leaves nothing behind', () => {
    const file = join(tmp.path, 'missing', 'state.json');
    expect(() => writeFileAtomic(file, 'x')).toThrow(/ENOENT/);
    expect(existsSync(join(tmp.path, 'missing'))).toBe(false);
  });

  it('leaves no temporary file when the rename fails (the name is a folder)', () => {
    const dir = join(tmp.path, 'd');
    mkdirSync(join(dir, 'state.json'), { recursive: true });
    expect(() => writeFileAtomic(join(dir, 'state.json'), 'x')).toThrow();
    expect(readdirSync(dir)).toEqual(['state.json']);
  });
});
