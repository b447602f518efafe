/**
 * The prompt box: text, an image (vision models only, sent as a data: URL), send/stop, and "copy as
 * curl" for the request the send button would make. Ctrl/Cmd+Enter sends.
 */
import { createSignal, Show } from 'solid-js'
import { CopyButton } from '../../components/copy-button.jsx'

/** Largest image attached (bytes); data URLs grow by a third and travel in the JSON body. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024

export function Composer(props: {
  running: boolean
  canSend: boolean
  vision: boolean
  curlFor: (prompt: string, image: string | null) => string
  onSend: (prompt: string, image: string | null) => void
  onStop: () => void
  onClear: () => void
}) {
  const [prompt, setPrompt] = createSignal('')
  const [image, setImage] = createSignal<string | null>(null)
  const [imageError, setImageError] = createSignal<string | null>(null)
  let fileInput: HTMLInputElement | undefined

  const attach = (file: File | undefined): void => {
    setImageError(null)
    if (!file) return
    if (!file.type.startsWith('image/')) return void setImageError('Not an image file.')
    if (file.size > MAX_IMAGE_BYTES) return void setImageError('The image is larger than 8 MiB.')
    const reader = new FileReader()
    reader.onload = () => setImage(typeof reader.result === 'string' ? reader.result : null)
    reader.onerror = () => setImageError('Could not read the file.')
    reader.readAsDataURL(file)
  }
  const send = (): void => {
    if (!props.canSend || props.running || !prompt().trim()) return
    props.onSend(prompt(), props.vision ? image() : null)
    setPrompt('')
    setImage(null)
    if (fileInput) fileInput.value = ''
  }

  return (
    <form
      class="composer"
      data-testid="playground-composer"
      onSubmit={(e) => {
        e.preventDefault()
        send()
      }}
    >
      <textarea
        rows="4"
        value={prompt()}
        onInput={(e) => setPrompt(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault()
            send()
          }
        }}
        placeholder="Ask something… (Ctrl+Enter sends)"
        data-testid="playground-prompt"
      />
      <Show when={image()}>
        <div class="attachment">
          <img src={image() ?? ''} alt="attached" />
          <button type="button" class="btn btn-small" onClick={() => setImage(null)}>
            Remove image
          </button>
        </div>
      </Show>
      <Show when={imageError()}>
        <p class="field-error">{imageError()}</p>
      </Show>
      <div class="composer-actions">
        <label class={`btn btn-small ${props.vision ? '' : 'disabled'}`} title={props.vision ? 'Attach an image' : 'This model does not accept images'}>
          Attach image
          <input
            ref={fileInput}
            type="file"
            accept="image/*"
            class="visually-hidden"
            disabled={!props.vision}
            onChange={(e) => attach(e.currentTarget.files?.[0])}
            data-testid="playground-image"
          />
        </label>
        <CopyButton text={() => props.curlFor(prompt(), props.vision ? image() : null)} label="Copy as curl" testId="copy-curl" />
        <span class="grow" />
        <button type="button" class="btn btn-small btn-ghost" onClick={() => props.onClear()}>
          Clear
        </button>
        <Show
          when={props.running}
          fallback={
            <button type="submit" class="btn btn-primary" disabled={!props.canSend || !prompt().trim()} data-testid="playground-send">
              Send
            </button>
          }
        >
          <button type="button" class="btn btn-danger" onClick={() => props.onStop()} data-testid="playground-stop">
            Stop
          </button>
        </Show>
      </div>
    </form>
  )
}
