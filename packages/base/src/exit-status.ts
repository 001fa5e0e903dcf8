/**
 * Process exit statuses of every CLI (`plebnet`, `cloudomate`, `dolly`), and the map from error
 * code to status each package declares next to its codes (its `errors.ts`). The CLI runner looks the
 * status up by code; it never guesses from a code's name (issue 14: `CLOUDOMATE_PAYMENT_UNKNOWN`,
 * "paid or not?", ended as exit 2, "bad input", because its name ends in `_UNKNOWN`).
 */

/** Exit statuses every CLI keeps: 0 ok, 1 failure, 2 bad usage or bad input, nothing else. */
export const EXIT = Object.freeze({ OK: 0, FAILURE: 1, USAGE: 2 } as const)

/** An exit status a CLI may end with (0..125; 126 and up mean "not run" or "killed" to a shell). */
export type ExitStatus = number

/** Every code of a package with the exit status a CLI ends with when an error carries it. */
export type ExitStatusMap<Code extends string = string> = Readonly<Record<Code, ExitStatus>>

/**
 * The status for `code` in `map`; `EXIT.FAILURE` for a code no map lists (a foreign error such as
 * Node's `ENOENT`, or no code at all). Own-property lookup, so `toString` or `__proto__` are not codes.
 */
export function exitStatusOf(code: string | undefined, map: ExitStatusMap): ExitStatus {
  if (code === undefined || !Object.hasOwn(map, code)) return EXIT.FAILURE
  return map[code] ?? EXIT.FAILURE
}
