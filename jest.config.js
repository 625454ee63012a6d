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
  // The end-to-end tests mostly wait (on the sandbox's clock, on child processes, on deadlines): on a 2-core machine
  // three at a time keep the cores busy where one at a time (jest's default there) would leave them idle.
  maxWorkers: 3,
  setupFiles: ['<rootDir>/scripts/jest-sandbox-checks.js'],
  reporters: ['default', '<rootDir>/scripts/jest-closing-line.js'],
}
