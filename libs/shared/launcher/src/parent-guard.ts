/**
 * Preloaded into every service the launcher starts (`node --require parent-guard.js main.js`).
 *
 * Node cannot ask the kernel to signal a child when its parent dies (no PR_SET_PDEATHSIG), and the
 * launcher's own `exit` hook does not run when it is SIGKILLed or crashes hard. The IPC channel the
 * launcher opens is the tell: the kernel closes it whenever the parent goes away, however it died.
 * The service then gets the same SIGTERM an operator would send, so it shuts down gracefully, with
 * a hard exit as the backstop. Standalone runs (no IPC channel) are unaffected.
 */
const GRACE_MS = 5_000;

if (process.channel) {
  // The channel must not keep the service alive on its own, nor stop it from exiting once closed.
  process.channel.unref();
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
}
