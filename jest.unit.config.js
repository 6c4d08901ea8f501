/** The unit tests alone: fast, on the TypeScript sources (coverage and mutation testing use this). */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...base, roots: ['<rootDir>/test/unit'], testTimeout: 5000 };
