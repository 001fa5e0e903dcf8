/** Quotes `value` as one word for bash (single quotes; an embedded `'` becomes `'\''`). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}
