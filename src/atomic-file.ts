/**
 * Replacing a small file so that a reader sees the old content or the new, never half of it, and
 * so that nobody can make pinprick write through a link: the new content goes to a temporary name
 * in the same folder, created exclusively without following symlinks (O_CREAT|O_EXCL|O_NOFOLLOW),
 * and is renamed over the file. rename(2) is atomic within one file system and replaces a stale
 * file or a symlink itself, never what a symlink points to (POSIX rename; the same recipe as
 * Jupyter's secure_write for its runtime files).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Write `text` to `path` atomically with `mode` (default 0600: readable by its owner alone). The
 * mode is set on the descriptor, so a umask cannot narrow it. Throws the file system's error; the
 * temporary file never outlives a failure.
 */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    fchmodSync(fd, mode);
    writeSync(fd, text);
    // On disk before the rename: after a crash the name holds the old content or the new.
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never made, or already renamed
    }
    throw err;
  }
}
