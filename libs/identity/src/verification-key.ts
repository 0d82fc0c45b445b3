import { readFile } from 'node:fs/promises';
import { type JSONWebKeySet, createLocalJWKSet, importSPKI } from 'jose';
import type { TokenAlgorithm, VerificationKey } from './token-verifier';

/** Where the key that verifies tokens comes from: exactly one, chosen by configuration. */
export type KeySource =
  | Readonly<{ kind: 'secret'; secret: string }>
  | Readonly<{ kind: 'public-key'; pem: string }>
  | Readonly<{ kind: 'jwks-file'; path: string }>;

/**
 * The key, loaded once at start; a key that does not load stops the start. A PEM given in one
 * line with literal `\n` (as some environments need) is accepted too.
 */
export const loadVerificationKey = async (
  source: KeySource,
  algorithm: TokenAlgorithm,
): Promise<VerificationKey> => {
  switch (source.kind) {
    case 'secret':
      return new TextEncoder().encode(source.secret);
    case 'public-key':
      return importSPKI(source.pem.replace(/\\n/g, '\n'), algorithm).catch((error: unknown) => {
        throw new Error(
          `RECEIPTS_JWT_PUBLIC_KEY: not a ${algorithm} public key (${String(error)})`,
        );
      });
    case 'jwks-file':
      return createLocalJWKSet(await readKeySet(source.path));
  }
};

const readKeySet = async (path: string): Promise<JSONWebKeySet> => {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new Error(`RECEIPTS_JWT_JWKS_FILE: cannot read ${path} (${String(error)})`);
  });
  try {
    const set = JSON.parse(text) as { keys?: unknown };
    if (Array.isArray(set.keys) && set.keys.length > 0) return set as JSONWebKeySet;
  } catch {
    /* reported below */
  }
  throw new Error(`RECEIPTS_JWT_JWKS_FILE: ${path} is not a JSON Web Key Set ({"keys": [...]})`);
};
