export * from './token-claims';
export * from './token-minter';
export * from './token-refusal';
export * from './token-verifier';
export * from './verification-key';
