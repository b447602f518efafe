/**
 * Chat with any model in the cluster. Answers stream over fetch (EventSource cannot POST) and each
 * shows the node that served it and the router's reason.
 */
import { createEffect, onMount, Show } from 'solid-js'
import { ErrorNote, Loading } from '../../components/states.jsx'
import { chatCurl } from '../../lib/curl.js'
import { useModels } from '../../stores/models.js'
import { usePlayground } from '../../stores/playground.js'
import { Composer } from './composer.jsx'
import { Conversation } from './conversation.jsx'
import { SettingsPanel } from './playground-settings.jsx'
import { AudioPanel } from './audio-panel.jsx'
import { ImagePanel } from './image-panel.jsx'

export function PlaygroundPage() {
  const models = useModels()
  const playground = usePlayground()
  onMount(() => void models.refresh())
  // pick the first chat model, and move off a model that left the cluster
  createEffect(() => {
    const chat = models.chatModels()
    const current = playground.state.settings.model
    if (models.load.loaded && !chat.some((m) => m.id === current)) playground.setSettings({ model: chat[0]?.id ?? '' })
  })
  const vision = () => models.byId(playground.state.settings.model)?.llmlb?.capabilities.vision ?? false
  return (
    <div class="page playground" data-testid="playground-page">
      <header class="page-head">
        <h1>Playground</h1>
      </header>
      <ErrorNote message={models.load.error} onRetry={() => void models.refresh()} />
      <Show when={models.load.loaded} fallback={<Loading what="models" />}>
        <div class="playground-grid">
          <SettingsPanel models={models.chatModels()} settings={playground.state.settings} onChange={playground.setSettings} />
          <section class="chat">
            <Conversation turns={playground.state.turns} />
            <Composer
              running={playground.state.running}
              canSend={playground.state.settings.model !== ''}
              vision={vision()}
              curlFor={(prompt, image) => chatCurl(location.origin, { ...playground.requestFor(prompt || 'Hello', image) })}
              onSend={(prompt, image) => void playground.send(prompt, image)}
              onStop={() => playground.stop()}
              onClear={() => playground.clear()}
            />
            <AudioPanel models={models.state.models} lastAnswer={() => [...playground.state.turns].reverse().find((t) => t.role === 'assistant')?.text ?? ''} />
            <ImagePanel models={models.state.models} />
          </section>
        </div>
      </Show>
    </div>
  )
}
