import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

/** Length prefix of a frame: uint32 big-endian (ALGORITHMS.md §11.4). */
const PREFIX_BYTES = 4

/** Writes one frame (`uint32 BE length ‖ payload`) and closes our writing side. */
export async function writeFrame(stream: Stream, payload: Uint8Array, signal: AbortSignal): Promise<void> {
  const prefix = new Uint8Array(PREFIX_BYTES)
  new DataView(prefix.buffer).setUint32(0, payload.byteLength, false)
  if (!stream.send(new Uint8ArrayList(prefix, payload))) await stream.onDrain({ signal })
  await stream.close({ signal })
}

/**
 * Reads exactly one frame of at most `maxBytes`, refusing a larger declared length before its body
 * arrives, and a stream that ends early (the original read one `recv` and took what came).
 */
export async function readFrame(stream: Stream, maxBytes: number): Promise<Uint8Array> {
  // The trap of DESIGN.md §3: the read buffer must hold a whole frame, or yamux aborts the stream.
  stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, maxBytes + PREFIX_BYTES)
  const buffer = new Uint8ArrayList()
  let expected: number | undefined
  for await (const chunk of stream) {
    buffer.append(chunk)
    if (expected === undefined && buffer.byteLength >= PREFIX_BYTES) {
      expected = buffer.getUint32(0, false)
      if (expected > maxBytes)
        throw new RangeError(`frame of ${expected} bytes exceeds the limit of ${maxBytes}`)
    }
    if (expected !== undefined && buffer.byteLength >= PREFIX_BYTES + expected) break
  }
  if (expected === undefined || buffer.byteLength < PREFIX_BYTES + expected)
    throw new RangeError(`stream ended after ${buffer.byteLength} bytes, before its frame was complete`)
  if (buffer.byteLength > PREFIX_BYTES + expected) throw new RangeError('bytes after the frame')
  return buffer.subarray(PREFIX_BYTES, PREFIX_BYTES + expected)
}
