// middy 7 is ESM-only: map its packages to their entry file and let swc turn them into CommonJS for jest.
const swc = [
  '@swc/jest',
  { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  transform: { '^.+\\.ts$': swc, '/node_modules/@middy/.+\\.js$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  testTimeout: 30000,
};
