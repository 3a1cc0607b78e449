"use strict";

// ESLint 9 flat config with core rules only (no plugins to install).
// golden's lint stage runs "npm run lint", i.e. "eslint .", with this file.

const nodeGlobals = {
  Buffer: "readonly",
  URL: "readonly",
  __dirname: "readonly",
  console: "readonly",
  fetch: "readonly",
  module: "writable",
  process: "readonly",
  require: "readonly",
};

module.exports = [
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "commonjs",
      globals: nodeGlobals,
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-undef": "error",
      "no-unused-vars": "error",
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: "error",
      strict: ["error", "global"],
    },
  },
];
