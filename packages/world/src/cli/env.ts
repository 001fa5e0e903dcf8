/** What the world commands need from the composition root. */
export interface WorldCliEnv {
  readonly defaultWorldDir: string
  readonly realNowMs: () => number
  readonly pid: number
  /** How to run this CLI again (node + script), for `up --detach`. */
  readonly selfCommand: readonly [string, string]
  /** The repository the world's release server publishes. */
  readonly repoDir: string
}
