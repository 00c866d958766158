// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'crypto',
  'child_process',
  'net',
  'tls',
  'http',
  'https',
  'url',
  'stream',
  'stream/*',
  'worker_threads',
  'events',
  'util',
  'buffer',
  'zlib',
  'dns',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test/fixtures/', 'test/e2e/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The engine runs in plain Node and in Electron's utilityProcess: it never touches Electron.
    files: ['main/core/**/*.ts', 'main/web/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'electron/*'],
              message: 'main/core, main/web and shared never import electron.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer is a web page: it reaches the core only through renderer/runtime/.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron'],
          patterns: [
            { group: nodeBuiltins, message: 'The renderer never imports Node modules.' },
            {
              group: ['**/main/**'],
              message: 'The renderer talks to the core only through renderer/runtime/.',
            },
          ],
        },
      ],
    },
  },
);
