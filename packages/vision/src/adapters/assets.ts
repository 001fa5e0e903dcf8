import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { VisionAssets } from '../app.ts'

/**
 * Reads the page's browser files: cytoscape and uPlot from their npm packages (whatever copy Node
 * resolves from this package), and the page script beside this package's sources.
 */
export async function loadVisionAssets(): Promise<VisionAssets> {
  const require = createRequire(import.meta.url)
  const [cytoscapeJs, uplotJs, uplotCss, clientJs] = await Promise.all([
    readFile(require.resolve('cytoscape/dist/cytoscape.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFile(new URL('../web/client.js', import.meta.url), 'utf8'),
  ])
  return { cytoscapeJs, uplotJs, uplotCss, clientJs }
}
