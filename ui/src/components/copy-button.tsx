/** A button that copies text (with the plain-HTTP fallback) and says whether it worked. */
import { createSignal, onCleanup } from 'solid-js'
import { copyText } from '../browser/clipboard.js'

export function CopyButton(props: { text: string | (() => string); label?: string; testId?: string; class?: string }) {
  const [result, setResult] = createSignal<'idle' | 'copied' | 'failed'>('idle')
  let timer: ReturnType<typeof setTimeout> | undefined
  onCleanup(() => clearTimeout(timer))
  const copy = async (): Promise<void> => {
    const text = typeof props.text === 'function' ? props.text() : props.text
    setResult((await copyText(text)) ? 'copied' : 'failed')
    clearTimeout(timer)
    timer = setTimeout(() => setResult('idle'), 2000)
  }
  return (
    <button type="button" class={props.class ?? 'btn btn-small'} onClick={() => void copy()} data-testid={props.testId ?? 'copy-button'}>
      {result() === 'copied' ? 'Copied' : result() === 'failed' ? 'Select and copy by hand' : (props.label ?? 'Copy')}
    </button>
  )
}
