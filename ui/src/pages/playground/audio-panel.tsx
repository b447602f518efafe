/**
 * Sound in the playground: transcribe an uploaded or recorded clip with a speech-to-text model, and
 * hear a text (by default the last answer) spoken by a text-to-speech model. Shown only when the
 * cluster has such models. Recording uses the browser's MediaRecorder; its webm/ogg needs ffmpeg on the
 * serving node, a WAV file does not.
 */
import { createSignal, For, onCleanup, Show } from 'solid-js'
import type { ClusterModel } from '../../api/types.js'
import { useApi } from '../../stores/api.js'

export function AudioPanel(props: { models: ClusterModel[]; lastAnswer: () => string }) {
  const api = useApi()
  const sttModels = () => props.models.filter((m) => m.llmlb?.capabilities.transcription)
  const ttsModels = () => props.models.filter((m) => m.llmlb?.capabilities.speech)
  const [stt, setStt] = createSignal('')
  const [tts, setTts] = createSignal('')
  const [voice, setVoice] = createSignal('alloy')
  const [text, setText] = createSignal('')
  const [transcript, setTranscript] = createSignal<string | null>(null)
  const [audioUrl, setAudioUrl] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [recorder, setRecorder] = createSignal<MediaRecorder | null>(null)
  onCleanup(() => {
    const url = audioUrl()
    if (url) URL.revokeObjectURL(url)
  })

  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      await fn()
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const transcribe = (file: Blob, name: string): Promise<void> =>
    run(async () => {
      setTranscript((await api.audio.transcribe(stt() || sttModels()[0]?.id || '', file, name)).text)
    })
  const speak = (): Promise<void> =>
    run(async () => {
      const { audio } = await api.audio.speak(tts() || ttsModels()[0]?.id || '', text() || props.lastAnswer() || 'Hello from llmlb', voice())
      const old = audioUrl()
      if (old) URL.revokeObjectURL(old)
      setAudioUrl(URL.createObjectURL(audio))
    })
  const record = async (): Promise<void> => {
    const current = recorder()
    if (current) return void current.stop()
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true })
      const r = new MediaRecorder(stream)
      const parts: Blob[] = []
      r.ondataavailable = (e) => parts.push(e.data)
      r.onstop = () => {
        stream.getTracks().forEach((t) => t.stop())
        setRecorder(null)
        void transcribe(new Blob(parts, { type: r.mimeType }), r.mimeType.includes('ogg') ? 'recording.ogg' : 'recording.webm')
      }
      r.start()
      setRecorder(r)
    } catch (err) {
      setError(`Recording is not available: ${(err as Error).message}`)
    }
  }
  const voices = () => props.models.find((m) => m.id === (tts() || ttsModels()[0]?.id))?.llmlb?.voices ?? ['alloy']

  return (
    <Show when={sttModels().length > 0 || ttsModels().length > 0}>
      <section class="audio-panel" data-testid="audio-panel">
        <h2>Audio</h2>
        <Show when={sttModels().length > 0}>
          <div class="audio-row">
            <select value={stt() || sttModels()[0]?.id} onChange={(e) => setStt(e.currentTarget.value)} data-testid="audio-stt-model">
              <For each={sttModels()}>{(m) => <option value={m.id}>{m.id}</option>}</For>
            </select>
            <label class="btn btn-small">
              Transcribe a file
              <input type="file" accept="audio/*" class="visually-hidden" disabled={busy()} onChange={(e) => {
                const f = e.currentTarget.files?.[0]
                if (f) void transcribe(f, f.name)
              }} data-testid="audio-file" />
            </label>
            <button type="button" class="btn btn-small" disabled={busy() && !recorder()} onClick={() => void record()} data-testid="audio-record">
              {recorder() ? 'Stop and transcribe' : 'Record'}
            </button>
          </div>
          <Show when={transcript() !== null}>
            <p class="audio-transcript" data-testid="audio-transcript">{transcript()}</p>
          </Show>
        </Show>
        <Show when={ttsModels().length > 0}>
          <div class="audio-row">
            <select value={tts() || ttsModels()[0]?.id} onChange={(e) => setTts(e.currentTarget.value)} data-testid="audio-tts-model">
              <For each={ttsModels()}>{(m) => <option value={m.id}>{m.id}</option>}</For>
            </select>
            <select value={voice()} onChange={(e) => setVoice(e.currentTarget.value)} data-testid="audio-voice">
              <For each={voices()}>{(v) => <option value={v}>{v}</option>}</For>
            </select>
            <input type="text" placeholder="Text to speak (default: the last answer)" value={text()} onInput={(e) => setText(e.currentTarget.value)} data-testid="audio-text" />
            <button type="button" class="btn btn-small" disabled={busy()} onClick={() => void speak()} data-testid="audio-speak">
              Speak
            </button>
          </div>
          <Show when={audioUrl()}>
            <audio controls src={audioUrl() ?? ''} data-testid="audio-player" />
          </Show>
        </Show>
        <Show when={error()}>
          <p class="field-error" data-testid="audio-error">{error()}</p>
        </Show>
      </section>
    </Show>
  )
}
