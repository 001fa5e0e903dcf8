import { defineConfig } from 'vitest/config'

// Three projects (STYLE.md §4): `unit` is fast and needs no network or root; `integration` runs
// against the world's real components (chain, shops, hosts); `slow` holds long simulations and
// large property runs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'packages/*/test/integration/**', 'packages/*/test/slow/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/integration/**/*.test.ts'],
          // Two files at once: each world claims its own bridge and /24 (hosts/adapters/host-network.ts)
          // and every service binds a free port, so two worlds coexist; most of a world test's time is
          // world time its agents wait through, which a second file can use.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          // Hang detectors, not speed goals: beside another world file a test takes up to 4× its time
          // alone (create-child: 28 s alone, 109 s beside genesis-family).
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'slow',
          include: ['packages/*/test/slow/**/*.test.ts'],
          // CPU-bound files (the fuzz suites, ~3.5 min of CPU each): on a 2-core CI machine the default
          // (cores - 1 = 1 worker) runs them one after the other, past the suite's 6-minute budget.
          maxWorkers: 2,
          // A project with its own maxWorkers needs its own group: the slow files run after unit and
          // integration.
          sequence: { groupOrder: 2 },
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
