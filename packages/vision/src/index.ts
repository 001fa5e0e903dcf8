/**
 * Vision: the tracker that records the family's figures over time and the web app that shows the
 * family tree and charts (AGENT.md §12).
 */
export {}
