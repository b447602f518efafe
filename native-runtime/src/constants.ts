/**
 * Named defaults of the native runtime. Every duration is in milliseconds, every size in tokens unless
 * the name says otherwise.
 */

/** Parallel sequences (slots) per model when a `ModelSpec` gives none. */
export const DEFAULT_SLOTS = 4

/**
 * Context per slot (tokens) when a `ModelSpec` gives none. Capped at the model's trained context length;
 * llama.cpp may round it up to a multiple of 256 below that cap, and `ModelStatus.contextSize` reports the real value.
 */
export const DEFAULT_CONTEXT_SIZE = 2048

/** Sampling temperature when a request gives none (the contract's documented default). */
export const DEFAULT_TEMPERATURE = 0.8

/**
 * How many of the most recently generated tokens presence/frequency penalties look at (llama.cpp's
 * `penalty_last_n` default). Larger windows cost a bigger punish list per token.
 */
export const PENALTY_WINDOW_TOKENS = 64

/** First delay before restarting a crashed child (ms); doubles after each crash in a row. */
export const RESTART_BACKOFF_MS = 250

/** Upper bound of the restart delay (ms), so a crash loop retries every 30 s at most. */
export const RESTART_BACKOFF_MAX_MS = 30_000

/** A child that stays up this long (ms) counts as healthy again: the backoff starts over. */
export const RESTART_STABLE_MS = 60_000

/**
 * How long the child may take to report `ready` (ms). `getLlama` probes the GPU builds (CUDA
 * initialisation alone can take seconds), so this is generous.
 */
export const CHILD_START_TIMEOUT_MS = 60_000

/** How long `stop()` waits for the child to exit after `shutdown` before SIGKILL (ms). */
export const STOP_TIMEOUT_MS = 5_000

/** How often the child checks that its parent is still alive (ms); a backstop to the IPC `disconnect` event. */
export const PARENT_POLL_MS = 1_000

/** Weight of the newest sample in the tokens-per-second moving average (0..1). */
export const TPS_EMA_ALPHA = 0.3

/** Bytes of the child's stderr kept to explain a crash (a GGML_ASSERT line, a stack). */
export const STDERR_TAIL_BYTES = 4_096

/** How long the parent waits after the child's exit for its stdio to close, to read a crash reason (ms). */
export const STDIO_DRAIN_MS = 200

/** Most threads the default ever picks: CPU decoding is memory-bound, more threads only contend. */
export const MAX_DEFAULT_THREADS = 8

/**
 * Longest time generated text waits in the child before crossing IPC (ms). The first text of a
 * generation is sent at once; after it, text of the same window is sent as one event.
 */
export const TEXT_FLUSH_MS = 4
