import Database from 'better-sqlite3';

type Prepare = (this: unknown, ...args: unknown[]) => unknown;

const retained: unknown[] = [];
let installed = false;

/**
 * WHY: better-sqlite3 12.x on Node 24 can abort the whole process (SIGABRT, "Assertion failed:
 * (env) != nullptr" in node::RemoveEnvironmentCleanupHook, from Statement::~Statement) when the
 * garbage collector finalizes a prepared statement at an unlucky moment (reported upstream as
 * WiseLibs/better-sqlite3#1515, closed without a fix; seen in karakeep-app/karakeep#2989 and
 * others). TypeORM leaves statements to the GC: the pragmas run at connect, its statement cache on
 * eviction, and every statement of a closed DataSource. Our integration suites aborted in 5 of 8
 * runs; with every statement kept reachable until the process exits, in none.
 *
 * Statements are only ever created for distinct SQL texts (TypeORM caches them), so what is kept
 * is bounded by the few dozen queries this service issues. Remove this once the project moves to
 * a better-sqlite3 release without the bug.
 */
export function retainSqliteStatements(): void {
  if (installed) return;
  installed = true;
  const probe = new Database(':memory:');
  try {
    // The JS Database keeps its native handle under a private symbol; statements, including the
    // ones `pragma()` makes, come from that handle's `prepare`.
    const handle = Object.getOwnPropertySymbols(probe)
      .map((symbol) => (probe as unknown as Record<symbol, unknown>)[symbol])
      .find((value): value is { prepare: Prepare } => typeof value === 'object' && value !== null && typeof (value as { prepare?: unknown }).prepare === 'function');
    if (!handle) return; // internals changed: nothing to patch, and presumably nothing to fix
    const prototype = Object.getPrototypeOf(handle) as { prepare: Prepare };
    const prepare = prototype.prepare;
    prototype.prepare = function retainingPrepare(this: unknown, ...args: unknown[]): unknown {
      const statement = prepare.apply(this, args);
      retained.push(statement);
      return statement;
    };
  } finally {
    probe.close();
  }
}
