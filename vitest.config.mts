import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // Tests that start Azurite or HTTP sandboxes need more than the default 5 s on a 2-core machine.
        testTimeout: 30_000,
        hookTimeout: 60_000,
        // Azurite-backed suites share one emulator per file; keep files isolated in forks.
        pool: 'forks',
    },
});
