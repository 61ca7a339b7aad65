/**
 * Active Directory's objectGUID (16 raw bytes) as the canonical GUID string AD tools show, e.g.
 * `322c0a68-d330-41de-a9d0-e30ef4daf2f6`. The bytes are a Windows GUID struct: the first three
 * fields (4, 2 and 2 bytes) are little-endian, the last 8 bytes are in order. Reading them as one
 * big-endian hex string gives a different, wrong id that matches nothing in AD's own tooling.
 */
export function formatObjectGuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError(`an objectGUID has 16 bytes, not ${bytes.length}`);
  const hex = (from: number, to: number, littleEndian: boolean): string => {
    const slice = Array.from(bytes.subarray(from, to));
    if (littleEndian) slice.reverse();
    return slice.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}
