import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.data/', 'test-output/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Workflow code must stay deterministic: no I/O, no Node built-ins, nothing with side effects. From
    // the project's side-effect layers (at any depth of folders) only types may be imported: activities
    // are called through proxyActivities.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', '@mikro-orm/*', 'express', 'nodemailer', 'pino', 'pg', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'Workflow code is deterministic: no I/O, no Node built-ins.' },
          {
            group: ['**/activities', '**/activities/**', '**/services', '**/services/**', '**/api', '**/api/**', '**/db', '**/db/**', '**/runtime', '**/runtime/**', '**/workers', '**/workers/**', '**/local/**'],
            allowTypeImports: true,
            message: 'Workflow code may import only types from side-effect layers; call activities through proxyActivities.',
          },
        ],
      }],
    },
  },
  {
    // The domain is pure: nothing from the engine or the web layer.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@temporalio/*', 'express', '@mikro-orm/*', 'node:*'] }],
    },
  },
);
