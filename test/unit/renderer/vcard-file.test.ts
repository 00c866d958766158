/** The page's checks on a vCard before the core sees it, and the names of saved .vcf files. */
import { describe, expect, it } from 'vitest';
import {
  firstVcardFile,
  readVcardFile,
  VCARD_MAX_BYTES,
  vcardFileName,
  vcardTextProblem,
} from '../../../renderer/features/contacts/vcard-file.ts';

const card = 'BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:bob@example.org\r\nFN:Bob\r\nEND:VCARD\r\n';

describe('vCard files in the page', () => {
  it('takes vCard text and refuses what is not one', () => {
    expect(vcardTextProblem(card)).toBeNull();
    expect(vcardTextProblem(`  \n${card.toLowerCase()}`)).toBeNull();
    expect(vcardTextProblem('hello, this is Bob')).toBe('notVcard');
    expect(vcardTextProblem('xBEGIN:VCARD is not a line of its own')).toBe('notVcard');
    expect(vcardTextProblem(`${card}\u0000binary`)).toBe('notVcard');
    expect(vcardTextProblem(card + 'x'.repeat(VCARD_MAX_BYTES))).toBe('tooBig');
  });

  it('refuses a large file by its size, without reading it', async () => {
    let read = false;
    const huge = {
      size: VCARD_MAX_BYTES + 1,
      text: () => {
        read = true;
        return Promise.resolve(card);
      },
    } as unknown as Blob;
    expect(await readVcardFile(huge)).toEqual({ text: null, problem: 'tooBig' });
    expect(read).toBe(false);
    expect(await readVcardFile(new Blob([card]))).toEqual({ text: card, problem: null });
    expect(await readVcardFile(new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0])]))).toEqual({
      text: null,
      problem: 'notVcard',
    });
  });

  it('prefers the .vcf of several files', () => {
    const files = [
      new File(['x'], 'photo.png', { type: 'image/png' }),
      new File([card], 'bob.vcf', { type: '' }),
    ];
    const list = Object.assign(files, { item: (i: number) => files[i] ?? null });
    expect(firstVcardFile(list as unknown as FileList)?.name).toBe('bob.vcf');
    expect(firstVcardFile(null)).toBeNull();
  });

  it('names saved files after the person, without path or reserved characters', () => {
    expect(vcardFileName('Bob')).toBe('Bob.vcf');
    expect(vcardFileName('../../etc/passwd')).toBe('etc passwd.vcf');
    expect(vcardFileName('a<b>:c"d|e?f*g\u0007h')).toBe('a b c d e f g h.vcf');
    expect(vcardFileName('  ...  ')).toBe('contact.vcf');
    expect(vcardFileName('x'.repeat(200))).toBe(`${'x'.repeat(60)}.vcf`);
  });
});
