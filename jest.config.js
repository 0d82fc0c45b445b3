/** Test tiers by file name: *.spec.ts (pure), *.int-spec.ts (adapters, real engines), test/*.e2e-spec.ts (running service). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
  },
];
const moduleNameMapper = { '^@receipts/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const project = (displayName, testMatch, extra = {}) => ({
  displayName,
  testMatch,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  ...extra,
});

module.exports = {
  projects: [
    project('unit', ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts']),
    project('int', ['<rootDir>/libs/**/*.int-spec.ts']),
    project('e2e', ['<rootDir>/test/**/*.e2e-spec.ts'], {
      globalSetup: '<rootDir>/test/support/build-once.ts',
    }),
  ],
};
