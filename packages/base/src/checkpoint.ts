/**
 * The fault-injection port: a flow that moves money or servers calls `checkpoint(step)` right after
 * each step it must survive a crash at (a journal line written, a payment recorded or broadcast, a
 * child installed). Production passes {@link noCheckpoint}; the only other adapter (plebnet's
 * `DOLLY_KILL_AT`) stops the process there, so a test can prove every step resumes without paying or
 * installing twice.
 */
export type Checkpoint = (step: string) => void

/** The production checkpoint: does nothing. */
export const noCheckpoint: Checkpoint = () => undefined
