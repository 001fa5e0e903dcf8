#!/usr/bin/env node
// The `cloudomate` executable: Node 24 runs the TypeScript composition root directly.
await import('../src/cli/main.ts')
