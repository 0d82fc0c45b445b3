/** jest's asymmetric matchers typed as `unknown` (not `any`), for the type-checked lint rules. */
export const anyString: unknown = expect.any(String);
export const anyNumber: unknown = expect.any(Number);
export const containing = (shape: object): unknown => expect.objectContaining(shape);
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
