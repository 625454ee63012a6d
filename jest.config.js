// ts-jest in ESM mode: run with NODE_OPTIONS=--experimental-vm-modules (see package.json "test").
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', useESM: true }] },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/scripts/jest-sandbox-checks.js'],
  reporters: ['default', '<rootDir>/scripts/jest-closing-line.js'],
}
