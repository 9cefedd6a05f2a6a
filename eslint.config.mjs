// Lint: typescript-eslint's recommended rules, with type information for the rules that catch
// real mistakes (promises left floating, values never used).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "out/**", ".pulumi/**", "engine/**", "docs/**", "bin/**", "eslint.config.mjs"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none" }],
            "@typescript-eslint/no-explicit-any": "off",
            "no-constant-condition": ["error", { checkLoops: false }],
            "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports", fixStyle: "separate-type-imports" }],
        },
    },
    {
        // The config's types record what validation proved: a platform's blocks are there.
        files: ["components/**/*.ts", "index.ts"],
        rules: {
            "no-restricted-syntax": [
                "error",
                {
                    selector: "TSNonNullExpression > MemberExpression[object.name='config'], TSNonNullExpression > MemberExpression[object.property.name='config']",
                    message: "No non-null assertion on config: narrow on config.platform, or declare the field in that platform's config type.",
                },
            ],
        },
    },
);
