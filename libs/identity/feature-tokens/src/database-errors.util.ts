interface DriverErrorShape {
  code?: string;
  errno?: number;
}

function driverError(error: unknown): DriverErrorShape | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // TypeORM wraps driver errors in QueryFailedError.driverError; some paths throw them bare.
  const wrapped = (error as { driverError?: DriverErrorShape }).driverError;
  return wrapped ?? (error);
}

/** A unique or primary-key constraint refused the write (MySQL/MariaDB or SQLite). */
export function isUniqueViolation(error: unknown): boolean {
  const e = driverError(error);
  const code = e?.code ?? '';
  return code === 'ER_DUP_ENTRY' || e?.errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * A conflict with a concurrent writer that a fresh attempt resolves: a unique key another replica
 * took first, a deadlock or lock timeout (InnoDB), or a stale snapshot / busy file (SQLite).
 */
export function isTransientConflict(error: unknown): boolean {
  if (isUniqueViolation(error)) return true;
  const e = driverError(error);
  const code = e?.code ?? '';
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    e?.errno === 1213 ||
    e?.errno === 1205 ||
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED')
  );
}
