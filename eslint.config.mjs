// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The pure core imports no framework, driver or Node built-in: the boundary is checked, not remembered. */
const pureBoundary = {
  patterns: [
    { group: ['@nestjs/*'], message: 'The domain and read models know nothing of NestJS.' },
    { group: ['node:*', 'fs', 'path', 'crypto', 'events'], message: 'No I/O in the pure core.' },
    {
      group: [
        'better-sqlite3',
        'mongodb',
        '@eventstore/*',
        'ioredis',
        'socket.io',
        'socket.io-client',
      ],
      message: 'Drivers belong in adapters.',
    },
    {
      group: ['@receipts/*', '!@receipts/domain'],
      message: 'The pure core depends on nothing but the domain.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '**/dist/**',
      'node_modules/**',
      'coverage/**',
      'eslint.config.mjs',
      'jest.config.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['libs/domain/src/**/*.ts', 'libs/read-models/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', pureBoundary] },
  },
  {
    // NestJS stays at the edges: the apps and the wiring library, never in ports and adapters.
    files: ['libs/**/*.ts'],
    ignores: ['libs/infrastructure/**', 'libs/domain/**', 'libs/read-models/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*'], message: 'NestJS belongs in apps/* and libs/infrastructure.' },
          ],
        },
      ],
    },
  },
  {
    // Commands and queries reach the application through @nestjs/cqrs's buses, which find a
    // handler by its decorator: so the handler files, and only they, may import @nestjs/cqrs
    // (the decorators emit the constructor types Nest injects by, so no @nestjs/common either).
    files: ['libs/application/src/handlers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', '!@nestjs/cqrs'],
              message: 'Handlers may use @nestjs/cqrs; the rest of NestJS belongs in apps/*.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
