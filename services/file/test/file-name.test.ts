import { describe, expect, it } from 'vitest';
import { extensionOf, MAX_NAME_BYTES, originalName, sanitizeFileName } from '../src/domain/file-name.ts';

describe('sanitizeFileName', () => {
  it('keeps ordinary names, unicode included', () => {
    expect(sanitizeFileName('report 2024.pdf')).toBe('report 2024.pdf');
    expect(sanitizeFileName('Zürich – café.txt')).toBe('Zürich – café.txt');
    expect(sanitizeFileName('日本語.png')).toBe('日本語.png');
  });

  it('keeps only the last path segment, so traversal cannot leave the name', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('..\\..\\windows\\system32\\evil.dll')).toBe('evil.dll');
    expect(sanitizeFileName('/absolute/path/x.txt')).toBe('x.txt');
    expect(sanitizeFileName('C:\\Users\\me\\doc.txt')).toBe('doc.txt');
    expect(sanitizeFileName('..')).toBe('file');
    expect(sanitizeFileName('../')).toBe('file');
    expect(sanitizeFileName('a/..')).toBe('file');
  });

  it('removes control, bidi-override and zero-width characters', () => {
    expect(sanitizeFileName('bad\u0000name\n.txt')).toBe('badname.txt');
    expect(sanitizeFileName('invoice\u202Egpj.exe')).toBe('invoicegpj.exe');
    expect(sanitizeFileName('zero\u200Bwidth.txt')).toBe('zerowidth.txt');
    expect(sanitizeFileName('tab\there.txt')).toBe('tabhere.txt');
  });

  it('replaces characters reserved on some file systems or in headers', () => {
    expect(sanitizeFileName('a:b*c?d"e<f>g|h.txt')).toBe('a_b_c_d_e_f_g_h.txt');
  });

  it('drops leading dots and trailing dots or spaces', () => {
    expect(sanitizeFileName('.htaccess')).toBe('htaccess');
    expect(sanitizeFileName('...hidden')).toBe('hidden');
    expect(sanitizeFileName('name.txt. . ')).toBe('name.txt');
    expect(sanitizeFileName('   spaced   out  .txt ')).toBe('spaced out .txt');
  });

  it('prefixes Windows device names, with or without an extension, in any case', () => {
    for (const reserved of ['CON', 'con', 'NUL', 'nul.txt', 'PRN.pdf', 'AUX', 'COM1', 'com9.log', 'LPT1', 'lpt3.txt']) {
      expect(sanitizeFileName(reserved)).toBe(`_${reserved}`);
    }
    expect(sanitizeFileName('console.txt')).toBe('console.txt');
    expect(sanitizeFileName('nullable.txt')).toBe('nullable.txt');
  });

  it('cuts long names to 255 UTF-8 bytes, keeps the extension and never splits a character', () => {
    const long = sanitizeFileName(`${'a'.repeat(400)}.pdf`);
    expect(Buffer.byteLength(long)).toBe(MAX_NAME_BYTES);
    expect(long.endsWith('.pdf')).toBe(true);
    const wide = sanitizeFileName(`${'é'.repeat(300)}.txt`);
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(wide.endsWith('é.txt')).toBe(true);
    expect(wide).not.toContain('\uFFFD');
    const emoji = sanitizeFileName('😀'.repeat(100));
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect([...emoji].every((c) => c === '😀')).toBe(true);
  });

  it('is never empty', () => {
    expect(sanitizeFileName('')).toBe('file');
    expect(sanitizeFileName('\u0000\u0001')).toBe('file');
    expect(sanitizeFileName('   ')).toBe('file');
  });
});

describe('originalName and extensionOf', () => {
  it('keeps what the client sent minus invisible characters, capped', () => {
    expect(originalName('../x\u0000.txt')).toBe('../x.txt');
    expect(originalName('x'.repeat(5000))).toHaveLength(1024);
  });

  it('reads the extension in lower case', () => {
    expect(extensionOf('a.TXT')).toBe('txt');
    expect(extensionOf('archive.tar.gz')).toBe('gz');
    expect(extensionOf('noext')).toBe('');
    expect(extensionOf('.bashrc')).toBe('');
  });
});
