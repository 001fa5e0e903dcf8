/**
 * One tick-lock contender for tick-lock.test.ts: tries the lock once and prints `held` or `busy`;
 * a holder keeps the lock until it is killed (the test SIGKILLs it, as a crash would).
 */
import { acquireTickLock } from '../../../src/lifecycle/adapters/tick-lock.ts'

const home = process.argv[2]
if (home === undefined) throw new Error('usage: holder.ts <home>')
const release = await acquireTickLock(home)
process.stdout.write(release === undefined ? 'busy\n' : 'held\n')
// A holder waits to be killed; the interval keeps the event loop (and the lock) alive.
if (release !== undefined) setInterval(() => undefined, 60_000)
