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
/** jose is ESM-only: jest's CommonJS runtime cannot load it as shipped, so swc turns it into CommonJS too. */
const esmPackages = ['jose'];
const moduleNameMapper = { '^@receipts/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const project = (displayName, testMatch, extra = {}) => ({
  displayName,
  testMatch,
  transform: { '^.+\\.ts$': swc, [`/node_modules/(${esmPackages.join('|')})/.+\\.js$`]: swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
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
      // Services start, catch up and push across processes: seconds on a loaded 2-core machine.
      testTimeout: 20_000,
    }),
  ],
};
