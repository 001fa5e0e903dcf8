import { METRICS } from '../constants.ts'

/** Metrics the page offers a button for, in order (§12 plus the BTC balance and matchmakers). */
export const PAGE_METRICS = Object.freeze([
  'uploaded',
  'downloaded',
  'MB_balance',
  'BTC_balance',
  'matchmakers',
] as const satisfies readonly (keyof typeof METRICS)[])

/**
 * The `/` page (§12): a button per metric plus Info, the family tree (cytoscape), the selected
 * node's chart and the fleet charts (uPlot). Every script and style comes from this app's `/assets/`,
 * nothing from outside (the machine may be offline).
 */
export function renderPage(): string {
  const buttons = PAGE_METRICS.map(
    (m) =>
      `<button type="button" class="metric${m === 'uploaded' ? ' active' : ''}" data-metric="${m}">${m} (${METRICS[m]})</button>`,
  ).join('\n        ')
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Dollynator Vision</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/assets/uPlot.min.css" />
    <style>
      body { font-family: sans-serif; margin: 0; display: grid; grid-template-columns: 1fr 1fr; grid-template-rows: auto 1fr auto; height: 100vh; }
      header { grid-column: 1 / 3; padding: 8px; border-bottom: 1px solid #ccc; }
      #graph { border-right: 1px solid #ccc; min-height: 420px; }
      #side { padding: 8px; overflow: auto; }
      #fleet { grid-column: 1 / 3; padding: 8px; border-top: 1px solid #ccc; display: flex; gap: 16px; }
      button.metric.active, #info-button.active { background: #1565c0; color: white; }
      #info { white-space: pre; font-family: monospace; }
      #status { float: right; color: #666; }
    </style>
  </head>
  <body>
    <header>
      <strong>Dollynator Vision</strong>
      <span id="buttons">
        ${buttons}
        <button type="button" id="info-button">Info</button>
      </span>
      <span id="status">connecting…</span>
    </header>
    <div id="graph" data-testid="graph"></div>
    <div id="side">
      <h3 id="selected">click a node</h3>
      <div id="chart" data-testid="chart"></div>
      <div id="info" data-testid="info"></div>
    </div>
    <div id="fleet" data-testid="fleet"></div>
    <script src="/assets/cytoscape.min.js"></script>
    <script src="/assets/uPlot.iife.min.js"></script>
    <script src="/assets/vision.js"></script>
  </body>
</html>
`
}
