/** Entry point: renders the app, nothing else. */
import { render } from 'solid-js/web'
import { App } from './app.jsx'

render(() => <App />, document.getElementById('root') as HTMLElement)
