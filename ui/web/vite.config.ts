import { defineConfig } from "vitest/config";

// The app is served by the coffer binary under /ui/ from files embedded
// with go:embed (../dist). No plugin: esbuild compiles TSX for Preact.
export default defineConfig({
  base: "/ui/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    target: "es2022",
    // One small bundle; no source maps shipped in the binary.
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
