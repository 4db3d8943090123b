import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // Packages (tests included) use each other by package name, never through another package's sources.
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+(core|tokenizers|backbones|fusion|data|trainer)/src(/|$)', message: "import the package by name (@vitkit/x, or @vitkit/x/testing for test helpers), not another package's src/" }] },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
