import { describe, expect, it } from 'vitest';
import { linkSignatureValid, signLink } from '../src/domain/signed-link.ts';

const SECRET = 'unit-test-link-signing-secret-0123456789abcdef';
const claims = { fileId: '7d5d5a0e-7b55-4c39-9d3c-1a63b1b2a0aa', linkId: '0f8fad5b-d9cb-469f-a165-70867728950e', expires: 1_900_000_000 };

describe('signed links', () => {
  it('accepts the signature it made and nothing else', () => {
    const sig = signLink(SECRET, claims);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(linkSignatureValid(SECRET, claims, sig)).toBe(true);
    expect(linkSignatureValid(SECRET, { ...claims, expires: claims.expires + 1 }, sig)).toBe(false);
    expect(linkSignatureValid(SECRET, { ...claims, fileId: claims.linkId }, sig)).toBe(false);
    expect(linkSignatureValid(SECRET, { ...claims, linkId: claims.fileId }, sig)).toBe(false);
    expect(linkSignatureValid(`${SECRET}x`, claims, sig)).toBe(false);
  });

  it('refuses truncated, extended, empty and non-ASCII signatures without throwing', () => {
    const sig = signLink(SECRET, claims);
    for (const bad of [sig.slice(0, -1), `${sig}A`, '', 'é'.repeat(43), `${sig.slice(0, 42)}=`]) {
      expect(linkSignatureValid(SECRET, claims, bad)).toBe(false);
    }
  });
});
