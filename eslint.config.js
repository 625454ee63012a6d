// ESLint flat config: @eslint/js and typescript-eslint recommended, no stylistic rules (Prettier formats; see
// .prettierrc.json). Not recommendedTypeChecked: on this 2-core machine it takes 25-46 s for the repo (26 s of CPU) where
// recommended takes 8-23 s (10 s of CPU), and most of its findings are no-unsafe-* on the tests' deliberate `any` fakes.
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const unusedVars = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'coverage/']),

  // Every file, the JavaScript ones (jest.config.js, scripts/*.js) included.
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { 'no-unused-vars': ['error', unusedVars] },
  },

  {
    files: ['src/**/*.ts', 'sandbox/**/*.ts', 'scripts/**/*.ts', '__tests__/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
      // `import { x, type Y }` for mixed imports, `import type { Y }` when all are types, as the code does.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      // The action logs through @actions/core (grouped, annotated, masked), never the console.
      'no-console': 'error',
    },
  },
  {
    // The emulator reports its own failures (a request or a world step that threw) on stderr.
    files: ['sandbox/**/*.ts'],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },
  {
    // Tests say why they skip (no Docker, no `aws` CLI) and which build path ran; a stray console.log is still caught.
    files: ['__tests__/**/*.ts'],
    rules: { 'no-console': ['error', { allow: ['info', 'warn', 'error'] }] },
  },
  {
    // Command-line programs: the console is their output.
    files: ['scripts/**', 'sandbox/cli.ts'],
    rules: { 'no-console': 'off' },
  },
)
