import { errorCode } from '@dolly/base'

/** Whether `err` carries `code` (tests branch on codes, never on messages or `instanceof`). */
export function isDollyError(err: unknown, code: string): boolean {
  return errorCode(err) === code
}
