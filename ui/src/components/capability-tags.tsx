/** The capabilities of a model as small tags (chat, completion, embeddings, tools, vision, transcription, speech, image generation). */
import { For } from 'solid-js'
import type { Capabilities } from '../api/types.js'

const ORDER: (keyof Capabilities)[] = ['chat', 'completion', 'embeddings', 'tools', 'vision', 'transcription', 'speech', 'imageGeneration']

/** Tags whose text is not the capability's key as is. */
const LABELS: Partial<Record<keyof Capabilities, string>> = { imageGeneration: 'image generation' }

export function CapabilityTags(props: { capabilities: Capabilities | undefined }) {
  const on = () => ORDER.filter((k) => props.capabilities?.[k])
  return (
    <span class="tags">
      <For each={on()}>{(k) => <span class={`tag tag-${k}`}>{LABELS[k] ?? k}</span>}</For>
    </span>
  )
}
