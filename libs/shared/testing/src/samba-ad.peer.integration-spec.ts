import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { startSambaAd } from './samba-ad.peer';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// A DC's ports are fixed, so the peer serialises DCs with a machine-wide lock.
void describe('startSambaAd', () => {
  void it('runs one DC at a time: a second start waits for the first to stop', async () => {
    const first = await startSambaAd();
    let secondReady = false;
    const second = startSambaAd().then((dc) => {
      secondReady = true;
      return dc;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(secondReady, false, 'the second DC started while the first held ports 389/636');
    } finally {
      await first.stop();
    }
    const dc = await second;
    await dc.stop();
  });

  void it('gives up waiting for the lock after lockTimeoutMs, with a message that says why', async () => {
    const holder = await startSambaAd();
    try {
      await assert.rejects(startSambaAd({ lockTimeoutMs: 1_000 }), /held the Samba AD lock .* ports 389\/636 are fixed/);
    } finally {
      await holder.stop();
    }
  });

  void it('stop() frees the ports and removes the run directory', async () => {
    const dc = await startSambaAd();
    const dir = dirname(dc.caFile);
    assert.ok(await portOpen(636));
    await dc.stop();
    assert.equal(await portOpen(389), false);
    assert.equal(await portOpen(636), false);
    // tls/ca.pem sits one level below the run directory.
    assert.equal(existsSync(dirname(dir)), false);
  });
});
