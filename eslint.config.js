// ESLint's flat config for our browser modules (static/js); vendor libraries are not ours.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["static/vendor/", "node_modules/", ".venv/"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      // Leaflet (with Geoman) stays a classic script from static/vendor: the one global.
      globals: { ...globals.browser, L: "readonly" },
    },
    rules: {
      // A caught error is used (said to the user, logged) or deliberately named `_err`.
      "no-unused-vars": ["error", { caughtErrors: "all", caughtErrorsIgnorePattern: "^_" }],
    },
  },
];
