/**
 * Voice names of a speech model. OpenAI's built-in names work on every model, so clients written for
 * OpenAI run unchanged: each maps to one of the model's speakers (in turn, wrapping around). A model's
 * own speakers are `speaker-0` … `speaker-<n-1>`. Pure.
 */
export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse'] as const

/** Every voice name a model with `speakers` speakers accepts. */
export function voicesOf(speakers: number): string[] {
  return [...OPENAI_VOICES, ...Array.from({ length: Math.max(1, speakers) }, (_, i) => `speaker-${i}`)]
}

/** The speaker id of a voice name, or undefined for a name the model does not have. */
export function speakerOf(voice: string, speakers: number): number | undefined {
  const n = Math.max(1, speakers)
  const named = (OPENAI_VOICES as readonly string[]).indexOf(voice.toLowerCase())
  if (named >= 0) return named % n
  const m = /^speaker-(\d+)$/.exec(voice)
  const i = m ? Number(m[1]) : NaN
  return Number.isInteger(i) && i < n ? i : undefined
}
