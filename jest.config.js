/** Type-checking is `npm run typecheck`; jest only transpiles (fast, and the same code either way). */
module.exports = {
  testEnvironment: "node",
  roots: [
    "<rootDir>/test",
    "<rootDir>/infra",
    "<rootDir>/consistency-rules",
    "<rootDir>/policy-pack",
    "<rootDir>/cli",
    "<rootDir>/examples",
  ],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/policy-pack/dist/"],
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
  testTimeout: 60000,
};
