export * from './compare-documents';
export * from './log-replay';
export * from './projection-audit';
export * from './recorded-repairs';
