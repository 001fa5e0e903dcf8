// The Vision page's script (AGENT.md §12), served as /assets/vision.js. It draws the family tree with
// cytoscape, the selected node's chart and the fleet charts with uPlot, and refreshes them when the
// server's event stream reports an observation, without reloading the page.
/* global cytoscape, uPlot, EventSource, document, window, fetch */
;(function () {
  'use strict'
  const REFRESH_MS = 300000
  const state = {
    metric: 'uploaded',
    mode: 'chart',
    selected: null,
    chart: null,
    fleet: [],
    refreshTimer: null,
  }
  const $ = (id) => document.getElementById(id)

  const getJson = async (path) => {
    const res = await fetch(path, { headers: { accept: 'application/json' } })
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`)
    return res.json()
  }
  const toSeconds = (x) => Date.parse(`${x.replace(' ', 'T')}Z`) / 1000

  const cy = cytoscape({
    container: $('graph'),
    wheelSensitivity: 0.3,
    style: [
      {
        selector: 'node',
        style: {
          'background-color': 'data(color)',
          label: 'data(label)',
          'font-size': 11,
          'text-valign': 'bottom',
          'text-margin-y': 4,
        },
      },
      { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#000' } },
      {
        selector: 'edge',
        style: {
          width: 2,
          'line-color': '#bbb',
          'target-arrow-color': '#bbb',
          'target-arrow-shape': 'triangle',
          'curve-style': 'bezier',
        },
      },
    ],
  })

  // Force-directed layout (§12's physics in cytoscape's terms: strong repulsion, long springs, 1000 iterations).
  const layout = () =>
    cy
      .layout({
        name: 'cose',
        animate: false,
        numIter: 1000,
        nodeRepulsion: () => 50000,
        idealEdgeLength: () => 90,
        fit: true,
        padding: 30,
      })
      .run()

  const refreshNetwork = async () => {
    const net = await getJson('/network')
    const ids = new Set(net.nodes.map((n) => n.id))
    let changed = false
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        if (!ids.has(n.id())) {
          n.remove()
          changed = true
        }
      })
      for (const n of net.nodes) {
        const existing = cy.getElementById(n.id)
        if (existing.nonempty()) existing.data(n)
        else {
          cy.add({ group: 'nodes', data: n })
          changed = true
        }
      }
      for (const e of net.edges) {
        const id = `${e.from}->${e.to}`
        if (cy.getElementById(id).empty()) {
          cy.add({ group: 'edges', data: { id, source: e.from, target: e.to } })
          changed = true
        }
      }
    })
    if (changed) layout()
  }

  const showChart = async () => {
    const target = $('chart')
    if (state.chart !== null) {
      state.chart.destroy()
      state.chart = null
    }
    target.textContent = ''
    if (state.selected === null) return
    let points = []
    try {
      points = await getJson(`/node/${encodeURIComponent(state.selected)}/${state.metric}`)
    } catch {
      points = []
    }
    if (points.length === 0) {
      target.textContent = `no ${state.metric} reported yet`
      return
    }
    const xs = points.map((p) => toSeconds(p.x))
    const ys = points.map((p) => p.y)
    const last = ys[ys.length - 1]
    const top = last > 0 ? 1.5 * last : Math.max(1, ...ys.map(Math.abs))
    state.chart = new uPlot(
      {
        width: Math.max(300, target.clientWidth || 480),
        height: 260,
        scales: { y: { range: () => [0, top] } },
        series: [
          {},
          {
            label: state.metric,
            stroke: '#1565c0',
            fill: 'rgba(21,101,192,0.15)',
            points: { show: true, size: 5 },
          },
        ],
      },
      [xs, ys],
      target,
    )
  }

  const showInfo = async () => {
    const target = $('info')
    if (state.mode !== 'info' || state.selected === null) {
      target.textContent = ''
      return
    }
    const info = await getJson(`/node/${encodeURIComponent(state.selected)}/info`)
    target.textContent = JSON.stringify(info, null, 2)
  }

  const refreshFleet = async () => {
    const f = await getJson('/fleet')
    const target = $('fleet')
    for (const c of state.fleet) c.destroy()
    state.fleet = []
    target.textContent = ''
    if (f.population.length === 0) {
      target.textContent = 'no agent seen yet'
      return
    }
    const xs = f.population.map((p) => toSeconds(p.x))
    const plot = (title, series) => {
      const box = document.createElement('div')
      target.appendChild(box)
      state.fleet.push(
        new uPlot(
          {
            title,
            width: 420,
            height: 180,
            series: [
              {},
              ...series.map((s) => ({
                label: s.label,
                stroke: s.stroke,
                paths: uPlot.paths.stepped({ align: 1 }),
              })),
            ],
          },
          [xs, ...series.map((s) => s.data.map((p) => p.y))],
          box,
        ),
      )
    }
    plot('population', [{ label: 'alive', stroke: '#2e7d32', data: f.population }])
    plot('births and deaths', [
      { label: 'births', stroke: '#1565c0', data: f.births },
      { label: 'deaths', stroke: '#9e9e9e', data: f.deaths },
    ])
  }

  const refreshSide = async () => {
    $('selected').textContent =
      state.selected === null
        ? 'click a node'
        : `${state.selected} — ${state.mode === 'info' ? 'info' : state.metric}`
    await Promise.all([showChart(), showInfo()])
  }

  const refreshAll = async () => {
    await Promise.all([refreshNetwork(), refreshFleet()])
    await refreshSide()
    window.vision.refreshed += 1
  }

  const scheduleRefresh = () => {
    if (state.refreshTimer !== null) return
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = null
      refreshAll().catch((err) => showStatus(`refresh failed: ${err.message}`))
    }, 250)
  }
  const showStatus = (text) => {
    $('status').textContent = text
  }

  cy.on('tap', 'node', (evt) => {
    state.selected = evt.target.id()
    cy.nodes().unselect()
    evt.target.select()
    refreshSide().catch((err) => showStatus(err.message))
  })
  for (const b of document.querySelectorAll('button.metric')) {
    b.addEventListener('click', () => {
      state.metric = b.dataset.metric
      state.mode = 'chart'
      for (const o of document.querySelectorAll('button.metric, #info-button'))
        o.classList.toggle('active', o === b)
      refreshSide().catch((err) => showStatus(err.message))
    })
  }
  $('info-button').addEventListener('click', () => {
    state.mode = 'info'
    for (const o of document.querySelectorAll('button.metric, #info-button'))
      o.classList.toggle('active', o.id === 'info-button')
    refreshSide().catch((err) => showStatus(err.message))
  })

  window.vision = { cy, state, refreshed: 0, events: 0 }
  const events = new EventSource('/events')
  events.addEventListener('open', () => showStatus('live'))
  events.addEventListener('error', () => showStatus('reconnecting…'))
  events.addEventListener('observation', () => {
    window.vision.events += 1
    scheduleRefresh()
  })
  setInterval(scheduleRefresh, REFRESH_MS)
  refreshAll().catch((err) => showStatus(`load failed: ${err.message}`))
})()
