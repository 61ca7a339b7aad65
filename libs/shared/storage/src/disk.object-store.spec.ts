import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { DiskObjectStore } from './disk.object-store';
import { objectStoreContract } from './object-store.contract';

const roots: string[] = [];
function newRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'stackyard-disk-store-'));
  roots.push(root);
  return root;
}
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

objectStoreContract('disk', async () => {
  const store = new DiskObjectStore(join(newRoot(), 'objects'));
  await store.prepare();
  return { store };
}, { atomicValueBytes: 1024 * 1024 });

void describe(DiskObjectStore.name, () => {
  void it('lays objects out as files under the root, owner-only, with no temporary files left', async () => {
    const root = newRoot();
    const sut = new DiskObjectStore(root);
    await sut.put('stacks/org/proj/dev/checkpoint.json', Buffer.from('{}'));
    await sut.put('stacks/org/proj/dev/checkpoint.json', Readable.from([Buffer.from('{"v":2}')]));
    const file = join(root, 'stacks/org/proj/dev/checkpoint.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(root, 'stacks/org/proj/dev')), ['checkpoint.json']);
  });

  void it('removes its temporary file when the source stream fails', async () => {
    const root = newRoot();
    const sut = new DiskObjectStore(root);
    const broken = Readable.from(
      (function* () {
        yield Buffer.from('partial');
        throw new Error('boom');
      })(),
    );
    await assert.rejects(sut.put('a/b', broken), /boom/);
    assert.deepEqual(readdirSync(join(root, 'a')), []);
    assert.equal(await sut.exists('a/b'), false);
  });

  void it('explains the one layout conflict of a file tree: "x" and "x/y" cannot both exist', async () => {
    const sut = new DiskObjectStore(newRoot());
    await sut.put('x', Buffer.from('file'));
    await assert.rejects(sut.put('x/y', Buffer.from('child')), /cannot hold both "x" and "x\/…"/);
    await sut.put('d/child', Buffer.from('child'));
    await assert.rejects(sut.put('d', Buffer.from('file')), /cannot hold both/);
    // A directory of other objects is not itself an object.
    assert.equal(await sut.exists('d'), false);
    assert.equal(await sut.get('d'), undefined);
    await assert.doesNotReject(sut.delete('d'));
    assert.equal(await sut.exists('d/child'), true);
  });

  void it('deletePrefix leaves a file named like the prefix alone', async () => {
    const sut = new DiskObjectStore(newRoot());
    await sut.put('p/file', Buffer.from('1'));
    await sut.deletePrefix('p/file/');
    assert.equal(await sut.exists('p/file'), true);
  });

  void it('check() fails with the root path when the root cannot be written', async () => {
    const root = newRoot();
    const notADir = join(root, 'plain-file');
    writeFileSync(notADir, 'x');
    const sut = new DiskObjectStore(notADir);
    await assert.rejects(sut.check(), (error: Error) => {
      assert.match(error.message, /object store directory .*plain-file is not writable \(ENOTDIR\)/);
      return true;
    });
  });

  void it('prepare() creates a missing root, after which check() passes', async () => {
    const sut = new DiskObjectStore(join(newRoot(), 'deep', 'objects'));
    await assert.rejects(sut.check(), /not writable \(ENOENT\)/);
    await sut.prepare();
    await assert.doesNotReject(sut.check());
    assert.deepEqual(readdirSync(sut.root), [], 'the probe file is removed');
  });
});
