// Preloaded (`node --import bench/agent/mem-probe.ts …`) into one extra daemon by bench/agent/run.ts
// when the daemon misses its memory target: records every module loaded and, on SIGUSR2, writes
// `$DOLLY_MEM_PROBE_OUT` (process.memoryUsage, V8 heap spaces, modules per package) and a heap
// snapshot next to it (`<out>.heapsnapshot`) for run.ts to summarise.
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'

const out = process.env['DOLLY_MEM_PROBE_OUT']
const loaded: string[] = []
registerHooks({
  load(url, context, next) {
    loaded.push(url)
    return next(url, context)
  },
})

/** The package (or workspace folder) a module URL belongs to. */
function owner(url: string): string {
  if (url.startsWith('node:')) return 'node:*'
  const inModules = url.split('/node_modules/')[1]
  if (inModules !== undefined) {
    const [a = '', b = ''] = inModules.split('/')
    return a.startsWith('@') ? `${a}/${b}` : a
  }
  const inPackages = url.split('/packages/')[1]
  return inPackages === undefined ? url : inPackages.split('/').slice(0, 3).join('/')
}

process.on('SIGUSR2', () => {
  if (out === undefined) return
  const snapshot = writeHeapSnapshot(`${out}.heapsnapshot`)
  const perOwner = new Map<string, number>()
  for (const url of loaded) perOwner.set(owner(url), (perOwner.get(owner(url)) ?? 0) + 1)
  writeFileSync(
    out,
    JSON.stringify({
      memoryUsage: process.memoryUsage(),
      heapSpaces: getHeapSpaceStatistics().map((s) => ({
        name: s.space_name,
        sizeBytes: s.space_size,
        usedBytes: s.space_used_size,
      })),
      modules: loaded.length,
      modulesPerPackage: [...perOwner].sort((a, b) => b[1] - a[1]),
      snapshot,
    }),
  )
})
