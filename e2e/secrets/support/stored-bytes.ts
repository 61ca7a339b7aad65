import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { requirePeer, s3TestClient, tempDir } from '@stackyard/testing';
import type { ExternalStorage, StartedSuite } from '../../support/suite-modes';
import type { StoredBlob } from './marker-scan';

const execFileAsync = promisify(execFile);

/** One object of the object store (a disk file under `objects/`, or a bucket object). */
export interface StoredObject {
  /** `file objects/stacks/…/1.json.gz`, `object stacks/…/1.json.gz`. */
  where: string;
  bytes: number;
  /** Starts with the envelope magic `SYO1` (libs/stacks/domain object-envelope.ts). */
  sealed: boolean;
}

/** What one collection read, for the test's report. */
export interface StoredBytes {
  blobs: StoredBlob[];
  /** Every object of the object store, in either mode. */
  objects: StoredObject[];
  counts: {
    files: number;
    fileBytes: number;
    objects: number;
    objectBytes: number;
    /** Rows in the SQL dump (one `INSERT` per row), and the dump's size. */
    rows: number;
    dumpBytes: number;
    /** Files and objects that were gzip, and their inflated size (scanned in addition to the raw bytes). */
    gunzipped: number;
    gunzippedBytes: number;
    /** Objects sealed by the api (scanned raw: their content is ciphertext). */
    sealed: number;
  };
}

const isGzip = (bytes: Buffer): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
/** The api's object envelope (encryption at rest): magic "SYO1", then key version, nonce, ciphertext, tag. */
export const SEALED_OBJECT_MAGIC = Buffer.from('SYO1', 'latin1');
export const isSealedObject = (bytes: Buffer): boolean => bytes.length >= 4 && bytes.subarray(0, 4).equals(SEALED_OBJECT_MAGIC);

/**
 * Everything a suite stored: every file under its data directory (SQLite files with their -wal and
 * -shm, disk objects, logs, keys, certificates), and in the `mariadb-s3` mode also a full SQL dump
 * of its three databases and every object in its bucket. Gzip files and objects are scanned both
 * raw and inflated; sealed objects (`SYO1`) raw only, and listed in `objects` with every other
 * object so the test can check that each one is sealed.
 */
export async function collectStoredBytes(started: StartedSuite): Promise<StoredBytes> {
  const result: StoredBytes = {
    blobs: [],
    objects: [],
    counts: { files: 0, fileBytes: 0, objects: 0, objectBytes: 0, rows: 0, dumpBytes: 0, gunzipped: 0, gunzippedBytes: 0, sealed: 0 },
  };
  const addWithInflated = (blob: StoredBlob, named: string): void => {
    result.blobs.push(blob);
    if (blob.store === 'object-store') {
      const sealed = isSealedObject(blob.bytes);
      result.objects.push({ where: blob.where, bytes: blob.bytes.length, sealed });
      if (sealed) {
        result.counts.sealed++;
        return;
      }
    }
    if (!named.endsWith('.gz') && !isGzip(blob.bytes)) return;
    let inflated: Buffer;
    try {
      inflated = gunzipSync(blob.bytes);
    } catch (error) {
      // An unreadable gzip stream would be bytes the scan cannot look into: fail rather than pass.
      throw new Error(`${blob.where} looks like gzip but does not inflate: ${(error as Error).message}`);
    }
    result.blobs.push({ ...blob, where: `${blob.where} (gunzipped)`, bytes: inflated });
    result.counts.gunzipped++;
    result.counts.gunzippedBytes += inflated.length;
  };

  const dataDir = started.suite.dataDir;
  for (const file of filesUnder(dataDir)) {
    const path = relative(dataDir, file).split(sep).join('/');
    // The suite keeps running while it is scanned: a file listed a moment ago may be gone (a
    // renamed temporary file, a removed -wal), and then there is nothing left of it to scan.
    const bytes = readIfStillThere(file);
    if (bytes === undefined) continue;
    result.counts.files++;
    result.counts.fileBytes += bytes.length;
    const store = storeOfDataDirFile(path);
    // A disk object being written is still a temporary file; it is scanned for the markers like
    // everything else, but it is not an object yet, so it is not held to the sealed envelope.
    const inFlight = store === 'object-store' && basename(path).startsWith(DISK_STORE_TEMP_PREFIX);
    addWithInflated({ where: `file ${path}${inFlight ? ' (being written)' : ''}`, store: inFlight ? 'data-dir' : store, bytes }, path);
  }

  if (started.external) {
    for (const database of Object.values(started.external.databases)) {
      const dump = await dumpDatabase(started.external, database);
      result.blobs.push(...dump.blobs);
      result.counts.rows += dump.rows;
      result.counts.dumpBytes += dump.bytes;
    }
    for await (const object of bucketObjects(started.external)) {
      result.counts.objects++;
      result.counts.objectBytes += object.bytes.length;
      addWithInflated(object, object.where);
      result.blobs.push(object.metadata);
    }
  }
  return result;
}

/** The disk object store writes each object to a temporary file of this prefix, then renames it. */
const DISK_STORE_TEMP_PREFIX = '.stackyard-tmp-';

function readIfStillThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

function storeOfDataDirFile(path: string): StoredBlob['store'] {
  if (path.startsWith('db/')) return 'database';
  if (path.startsWith('objects/')) return 'object-store';
  if (path.startsWith('logs/')) return 'logs';
  return 'data-dir';
}

/**
 * `mariadb-dump` of one database, as an operator would back it up: one `INSERT` per row
 * (`--skip-extended-insert`), binary columns as raw bytes (no `--hex-blob`, so their content is
 * searchable), one consistent snapshot (`--single-transaction`). Each row becomes its own blob
 * named by table and row, the schema statements one more. The row counts are checked against
 * `SELECT COUNT(*)` of every table, so a dump that silently missed rows fails the test.
 */
async function dumpDatabase(storage: ExternalStorage, database: string): Promise<{ blobs: StoredBlob[]; rows: number; bytes: number }> {
  const url = new URL(storage.mysqlUrl.replace(/^mariadb:/, 'mysql:'));
  // Same place as the server the MariaDB peer runs (libs/shared/testing mariadb.peer.ts): the
  // client tools come in the same package (scripts/peers/mariadb.sh).
  const binDir = process.env['STACKYARD_MARIADB_BIN_DIR'];
  const dumpBinary = requirePeer('mariadb-dump', binDir ? join(binDir, 'mariadb-dump') : 'mariadb-dump', 'bash scripts/peers/mariadb.sh (installs mariadb-client)');
  // The password goes in an option file of our own (mode 0600), not argv where `ps` shows it;
  // --defaults-file also keeps the machine's /etc/mysql out of the dump.
  const optionsDir = tempDir('stackyard-scan-dump');
  const optionsFile = join(optionsDir, 'client.cnf');
  writeFileSync(
    optionsFile,
    `[client]\nhost=${url.hostname}\nport=${url.port || '3306'}\nuser=${decodeURIComponent(url.username)}\npassword=${decodeURIComponent(url.password)}\nprotocol=TCP\n`,
    { mode: 0o600 },
  );
  let dump: Buffer;
  try {
    const { stdout } = await execFileAsync(
      dumpBinary,
      [`--defaults-file=${optionsFile}`, '--single-transaction', '--no-tablespaces', '--skip-extended-insert', '--default-character-set=utf8mb4', database],
      { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024, timeout: 120_000 },
    );
    dump = stdout;
  } finally {
    rmSync(optionsDir, { recursive: true, force: true });
  }

  const blobs: StoredBlob[] = [];
  const rowsPerTable = new Map<string, number>();
  const schema: Buffer[] = [];
  // Strings in a dump are escaped (a newline is `\n`), so every line is one statement or part of one.
  for (const line of splitLines(dump)) {
    const insert = /^INSERT INTO `([^`]+)` VALUES /.exec(line.subarray(0, 200).toString('latin1'));
    if (!insert) {
      schema.push(line);
      continue;
    }
    const row = (rowsPerTable.get(insert[1]) ?? 0) + 1;
    rowsPerTable.set(insert[1], row);
    blobs.push({ where: `mariadb ${database}.${insert[1]} row ${row}`, store: 'database', bytes: line });
  }
  blobs.push({ where: `mariadb ${database} (schema statements)`, store: 'database', bytes: Buffer.concat(schema.flatMap((l) => [l, Buffer.from('\n')])) });

  const counted = await countRows(storage.mysqlUrl, database);
  for (const [table, count] of counted) {
    const dumped = rowsPerTable.get(table) ?? 0;
    if (dumped !== count) throw new Error(`mariadb-dump of ${database}.${table} has ${dumped} rows, the table has ${count}`);
  }
  return { blobs, rows: [...rowsPerTable.values()].reduce((a, b) => a + b, 0), bytes: dump.length };
}

function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a); end !== -1; end = bytes.indexOf(0x0a, start)) {
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

async function countRows(mysqlUrl: string, database: string): Promise<Map<string, number>> {
  const url = new URL(mysqlUrl.replace(/^mariadb:/, 'mysql:'));
  const connection = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  });
  try {
    const [tables] = await connection.query<Array<{ name: string } & RowDataPacket>>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [database],
    );
    const counts = new Map<string, number>();
    for (const { name } of tables) {
      const [rows] = await connection.query<Array<{ n: number } & RowDataPacket>>(`SELECT COUNT(*) AS n FROM \`${name.replace(/`/g, '``')}\``);
      counts.set(name, Number(rows[0]?.n ?? 0));
    }
    return counts;
  } finally {
    await connection.end();
  }
}

/** Every object in the suite's bucket (content and user metadata), through the `minio` client. */
async function* bucketObjects(storage: ExternalStorage): AsyncGenerator<StoredBlob & { metadata: StoredBlob }> {
  const client = s3TestClient(storage.s3);
  const bucket = storage.s3.bucket;
  const keys: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true) as AsyncIterable<{ name?: string }>) if (item.name) keys.push(item.name);
  for (const key of keys) {
    const chunks: Buffer[] = [];
    for await (const chunk of (await client.getObject(bucket, key)) as AsyncIterable<Buffer>) chunks.push(chunk);
    const stat = await client.statObject(bucket, key);
    yield {
      where: `object ${key}`,
      store: 'object-store',
      bytes: Buffer.concat(chunks),
      metadata: { where: `object ${key} (metadata)`, store: 'object-store', bytes: Buffer.from(JSON.stringify(stat.metaData)) },
    };
  }
}
