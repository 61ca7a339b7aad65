import type { ValueTransformer } from 'typeorm';

/** BIGINT epoch milliseconds ↔ number (mysql2 may hand BIGINT back as a string). */
export const epochMillis: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};

/** JSON kept in a text column, so both engines store it byte-for-byte. */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? null : JSON.stringify(value)),
  from: (value: string | null) => (value === null || value === undefined ? null : (JSON.parse(value) as unknown)),
};
