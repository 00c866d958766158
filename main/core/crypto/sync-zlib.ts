/**
 * openpgp.js compresses and decompresses through the Compression Streams API, which Node runs on
 * libuv's thread pool: for a chat message of a few KiB, the round trips cost more than the work.
 * This puts a CompressionStream and a DecompressionStream in front of Node's that do small inputs
 * (one chunk of at most SYNC_INPUT_BYTES, what openpgp.js hands over for a chat message) with
 * zlib's synchronous calls on the calling thread, and everything else exactly as before: a
 * bigger input, an output past SYNC_OUTPUT_BYTES (a zip bomb stops there) or anything the
 * synchronous call refuses is passed to Node's own stream, which gives its usual answer.
 */
import { deflateRawSync, deflateSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';

/** Inputs up to this size are done synchronously (openpgp.js cuts streams into 64 KiB chunks). */
const SYNC_INPUT_BYTES = 64 * 1024;
/** Synchronous decompression stops here; a bigger result is left to the streaming path. */
const SYNC_OUTPUT_BYTES = 1024 * 1024;

type Codec = (input: Buffer, options: ZlibOptions) => Buffer;
type Pair = { readable: ReadableStream<Uint8Array>; writable: WritableStream<BufferSource> };
type PairConstructor = new (format: CompressionFormat) => Pair;

const CODECS: Record<'compress' | 'decompress', Partial<Record<string, Codec>>> = {
  compress: { deflate: deflateSync, 'deflate-raw': deflateRawSync },
  decompress: { deflate: inflateSync, 'deflate-raw': inflateRawSync },
};

let installed = false;

/** Installs the synchronous small-input paths on this thread's globals (once, if they work). */
export async function installSyncZlib(): Promise<void> {
  if (installed) return;
  installed = true;
  const NativeCompression = globalThis.CompressionStream as PairConstructor | undefined;
  const NativeDecompression = globalThis.DecompressionStream as PairConstructor | undefined;
  if (!NativeCompression || !NativeDecompression) return;
  const Compression = wrap('compress', NativeCompression);
  const Decompression = wrap('decompress', NativeDecompression);
  try {
    // Each way against Node's own: the same bytes back, small and big.
    for (const size of [3000, 70_000]) {
      const data = Buffer.alloc(size, 'estafette chat message ');
      for (const format of ['deflate', 'deflate-raw'] as const) {
        const ours = await run(new Compression(format), data);
        const theirs = await run(new NativeCompression(format), data);
        if (!(await run(new NativeDecompression(format), ours)).equals(data)) return;
        if (!(await run(new Decompression(format), theirs)).equals(data)) return;
      }
    }
  } catch {
    return;
  }
  globalThis.CompressionStream = Compression as unknown as typeof CompressionStream;
  globalThis.DecompressionStream = Decompression as unknown as typeof DecompressionStream;
}

function wrap(kind: 'compress' | 'decompress', Native: PairConstructor): PairConstructor {
  return class SmallSync {
    readonly readable!: ReadableStream<Uint8Array>;
    readonly writable!: WritableStream<BufferSource>;

    constructor(format: CompressionFormat) {
      const codec = CODECS[kind][format];
      // Other formats (gzip, unknown ones) are Node's, with its TypeError for the unknown.
      if (!codec) return new Native(format);
      let held: Uint8Array<ArrayBuffer>[] = [];
      let heldBytes = 0;
      let native: {
        writer: WritableStreamDefaultWriter<BufferSource>;
        pump: Promise<void>;
      } | null = null;
      const toNative = async (controller: TransformStreamDefaultController<Uint8Array>) => {
        const stream = new Native(format);
        const writer = stream.writable.getWriter();
        const reader = stream.readable.getReader();
        const pump = (async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            controller.enqueue(value);
          }
        })();
        pump.catch(() => {});
        native = { writer, pump };
        const pending = held;
        held = [];
        for (const chunk of pending) await writer.write(chunk);
      };
      const transform = new TransformStream<BufferSource, Uint8Array>({
        async transform(chunk, controller) {
          const bytes = copyOf(chunk);
          if (native) {
            await native.writer.write(bytes);
            return;
          }
          held.push(bytes);
          heldBytes += bytes.length;
          if (heldBytes > SYNC_INPUT_BYTES) await toNative(controller);
        },
        async flush(controller) {
          if (!native) {
            let out: Buffer | null = null;
            try {
              out = codec(Buffer.concat(held), { maxOutputLength: SYNC_OUTPUT_BYTES });
            } catch {
              // Too big, damaged, cut off: Node's stream decides, with its own error.
            }
            if (out) {
              if (out.length > 0) controller.enqueue(new Uint8Array(out));
              return;
            }
            await toNative(controller);
          }
          const { writer, pump } = native!;
          await writer.close();
          await pump;
        },
      });
      return { readable: transform.readable, writable: transform.writable };
    }
  };
}

/** A private copy: the writer may reuse its buffer once write() returns. */
function copyOf(chunk: BufferSource): Uint8Array<ArrayBuffer> {
  const view =
    chunk instanceof ArrayBuffer
      ? new Uint8Array(chunk)
      : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return new Uint8Array(view);
}

async function run(stream: Pair, data: Buffer): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out.push(value);
    }
  })();
  const writer = stream.writable.getWriter();
  for (let i = 0; i < data.length; i += 65_536) {
    await writer.write(new Uint8Array(data.subarray(i, i + 65_536)));
  }
  await writer.close();
  await reading;
  return Buffer.concat(out);
}
