/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build lands inside the Python package, which serves it at / (src/sightsearch/api/console.py).
// `npm run dev` proxies the API to a local `sightsearch serve`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../src/sightsearch/api/console_dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
  },
  server: { proxy: { "/api": process.env.SIGHTSEARCH_API ?? "http://127.0.0.1:8000" } },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    testTimeout: 30_000,
  },
});
