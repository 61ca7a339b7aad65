import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatObjectGuid } from './object-guid';

void describe('formatObjectGuid', () => {
  void it('reads the first three fields little-endian, as AD tools print a GUID', () => {
    // A real objectGUID from Samba 4.17 (base64 as ldapsearch shows it); `samba-tool user show`
    // printed 322c0a68-d330-41de-a9d0-e30ef4daf2f6 for the same entry.
    const bytes = Buffer.from('aAosMjDT3kGp0OMO9Nry9g==', 'base64');
    assert.equal(formatObjectGuid(bytes), '322c0a68-d330-41de-a9d0-e30ef4daf2f6');
  });

  void it('keeps the last eight bytes in order', () => {
    const bytes = Uint8Array.from([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);
    assert.equal(formatObjectGuid(bytes), '03020100-0504-0706-0809-0a0b0c0d0e0f');
  });

  void it('refuses anything but 16 bytes', () => {
    assert.throws(() => formatObjectGuid(new Uint8Array(15)), RangeError);
    assert.throws(() => formatObjectGuid(new Uint8Array(17)), RangeError);
  });
});
