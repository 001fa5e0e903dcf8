#!/usr/bin/env node
// The `plebnet` executable: Node 24 runs the TypeScript composition root directly. The compile
// cache (in the OS temp dir) keeps each module's type-stripped and compiled code between runs, so a
// command neither starts Node's TypeScript stripper nor compiles again on every start (loading a
// first .ts file costs about 100 ms and 18 MB without it).
import { enableCompileCache } from 'node:module'
enableCompileCache?.()
await import('../src/cli/main.ts')
