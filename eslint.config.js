// @ts-check
import tseslint from 'typescript-eslint'

// Purity rules of STYLE.md §1.2: outside adapters/, composition roots (main.ts, cli/) and tests,
// code never reads the clock, draws randomness, reads the environment or does I/O itself.
const impure = {
  globals: [
    { name: 'Date', message: 'Use the Clock port (STYLE.md §1.2).' },
    { name: 'setTimeout', message: 'Use clock.sleep (STYLE.md §1.2).' },
    { name: 'setInterval', message: 'Use clock.sleep (STYLE.md §1.2).' },
    { name: 'setImmediate', message: 'Use clock.sleep (STYLE.md §1.2).' },
    { name: 'fetch', message: 'Network I/O belongs in adapters/ (STYLE.md §1.2).' },
    { name: 'process', message: 'The environment is read in the composition root only (STYLE.md §1.3).' },
  ],
  modules: [
    'fs',
    'node:fs',
    'fs/promises',
    'node:fs/promises',
    'child_process',
    'node:child_process',
    'net',
    'node:net',
    'http',
    'node:http',
    'dgram',
    'node:dgram',
  ],
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'coverage/**',
      'packages/*/test/vectors/**',
      'packages/*/test/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-throw-literal': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: [
      'packages/*/src/**/adapters/**',
      'packages/*/src/**/main.ts',
      'packages/*/src/**/cli/**',
      'packages/*/src/**/*.test.ts',
    ],
    rules: {
      'no-restricted-globals': ['error', ...impure.globals],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use the Rng port (STYLE.md §1.2).' },
        { object: 'crypto', property: 'getRandomValues', message: 'Use the Rng port (STYLE.md §1.2).' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: impure.modules.map((name) => ({
            name,
            message: 'I/O belongs in adapters/ or a composition root (STYLE.md §1.2).',
          })),
        },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.test.ts', 'packages/*/test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
)
