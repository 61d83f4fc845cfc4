import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_CONTENT_TYPES } from '../src/config.ts';
import { decideContentType, isAllowedType, normalizeContentType } from '../src/domain/content-types.ts';

const allow = DEFAULT_ALLOWED_CONTENT_TYPES.split(',');

describe('the content-type allow-list', () => {
  it('matches exact types and type/* families, ignoring case, parameters and aliases', () => {
    expect(isAllowedType('image/png', allow)).toBe(true);
    expect(isAllowedType('IMAGE/JPG; q=1', allow)).toBe(true);
    expect(isAllowedType('video/mp4', allow)).toBe(true);
    expect(isAllowedType('audio/x-wav', allow)).toBe(true);
    expect(isAllowedType('application/x-msdownload', allow)).toBe(false);
    expect(isAllowedType('text/html', allow)).toBe(false);
    expect(isAllowedType('image/svg+xml', allow)).toBe(false);
    expect(isAllowedType('application/javascript', allow)).toBe(false);
  });

  it('normalises declared types', () => {
    expect(normalizeContentType(' Text/Plain; charset=UTF-8')).toBe('text/plain');
    expect(normalizeContentType('application/x-zip-compressed')).toBe('application/zip');
    expect(normalizeContentType(undefined)).toBe('');
  });
});

describe('decideContentType', () => {
  it('stores the sniffed type when the declared one agrees or is generic', () => {
    expect(decideContentType({ sniffed: 'image/png', declared: 'image/png', name: 'a.png' }, allow)).toEqual({ ok: true, contentType: 'image/png', needsTextCheck: false });
    expect(decideContentType({ sniffed: 'image/jpeg', declared: 'image/jpg', name: 'a.jpg' }, allow)).toMatchObject({ ok: true, contentType: 'image/jpeg' });
    expect(decideContentType({ sniffed: 'application/pdf', declared: 'application/octet-stream', name: 'x' }, allow)).toMatchObject({ ok: true, contentType: 'application/pdf' });
    expect(decideContentType({ sniffed: 'application/pdf', declared: undefined, name: 'x' }, allow)).toMatchObject({ ok: true, contentType: 'application/pdf' });
  });

  it('refuses an executable whatever it is called or declared as', () => {
    for (const declared of ['image/jpeg', 'application/octet-stream', 'text/plain', undefined]) {
      const d = decideContentType({ sniffed: 'application/x-msdownload', declared, name: 'holiday.jpg' }, allow);
      expect(d).toMatchObject({ ok: false });
    }
    expect(decideContentType({ sniffed: 'application/x-elf', declared: 'application/pdf', name: 'a.pdf' }, allow)).toMatchObject({ ok: false });
  });

  it('refuses content that contradicts the declared type, even when both are allowed', () => {
    expect(decideContentType({ sniffed: 'image/png', declared: 'application/pdf', name: 'a.pdf' }, allow))
      .toEqual({ ok: false, reason: 'The content is image/png, not the declared application/pdf' });
  });

  it('lets a zip or OLE container through as the office format declared for it', () => {
    const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    expect(decideContentType({ sniffed: 'application/zip', declared: docx, name: 'a.docx' }, allow)).toMatchObject({ ok: true, contentType: docx });
    expect(decideContentType({ sniffed: 'application/x-cfb', declared: 'application/msword', name: 'a.doc' }, allow)).toMatchObject({ ok: true, contentType: 'application/msword' });
    expect(decideContentType({ sniffed: 'application/zip', declared: 'image/png', name: 'a.png' }, allow)).toMatchObject({ ok: false });
  });

  it('accepts unrecognisable bytes only as an allowed text format, to be checked as UTF-8', () => {
    expect(decideContentType({ sniffed: undefined, declared: 'text/csv', name: 'a.csv' }, allow)).toEqual({ ok: true, contentType: 'text/csv', needsTextCheck: true });
    expect(decideContentType({ sniffed: undefined, declared: 'application/octet-stream', name: 'data.json' }, allow)).toMatchObject({ ok: true, contentType: 'application/json' });
    expect(decideContentType({ sniffed: undefined, declared: undefined, name: 'noext' }, allow)).toMatchObject({ ok: true, contentType: 'text/plain', needsTextCheck: true });
    expect(decideContentType({ sniffed: undefined, declared: 'image/png', name: 'a.png' }, allow)).toMatchObject({ ok: false });
    expect(decideContentType({ sniffed: undefined, declared: 'text/html', name: 'a.html' }, allow)).toMatchObject({ ok: false });
  });

  it('follows a narrower allow-list', () => {
    expect(decideContentType({ sniffed: 'image/png', declared: 'image/png', name: 'a.png' }, ['application/pdf'])).toMatchObject({ ok: false });
    expect(decideContentType({ sniffed: undefined, declared: 'text/plain', name: 'a.txt' }, ['image/*'])).toMatchObject({ ok: false });
  });
});
