import { defineConfig } from 'vitest/config';

// Unit tests of the pure modules (no DOM): codec, protocol, graph model, curves, analysis.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node'
  }
});
