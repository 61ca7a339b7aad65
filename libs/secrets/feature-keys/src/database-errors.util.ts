/** A unique or primary-key constraint refused the insert (MySQL/MariaDB or SQLite). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  // TypeORM wraps driver errors in QueryFailedError.driverError; some paths throw them bare.
  const shaped = error as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const driverError = shaped.driverError ?? shaped;
  const code = driverError.code ?? '';
  return code === 'ER_DUP_ENTRY' || driverError.errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
