/** New-password form; `forced` after a first login with a temporary password. */
import { createSignal, Show } from 'solid-js'

/** Shortest password the form accepts (the agent may demand more). */
export const MIN_PASSWORD_LENGTH = 8

export function ChangePasswordForm(props: {
  forced?: boolean
  /** Who is signed in (shown with a way out, when forced). */
  username?: string
  busy: boolean
  error: string | null
  onSubmit: (current: string, next: string) => void
  onSignOut?: () => void
}) {
  const [current, setCurrent] = createSignal('')
  const [next, setNext] = createSignal('')
  const [again, setAgain] = createSignal('')
  const problem = () =>
    next().length > 0 && next().length < MIN_PASSWORD_LENGTH
      ? `At least ${MIN_PASSWORD_LENGTH} characters.`
      : again().length > 0 && again() !== next()
        ? 'The two new passwords differ.'
        : null
  const ready = () => current() !== '' && next().length >= MIN_PASSWORD_LENGTH && next() === again()
  return (
    <form
      class="card form narrow"
      data-testid="change-password"
      onSubmit={(e) => {
        e.preventDefault()
        if (ready()) props.onSubmit(current(), next())
      }}
    >
      <h2>{props.forced ? 'Choose a new password' : 'Change password'}</h2>
      <Show when={props.forced}>
        <p class="muted">
          {props.username ? `You signed in as ${props.username} with a temporary password.` : 'You signed in with a temporary password.'} Choose your own before
          going on; the temporary one stops working.
        </p>
      </Show>
      <label>
        {props.forced ? 'Temporary password' : 'Current password'}
        <input
          type="password"
          autocomplete="current-password"
          value={current()}
          onInput={(e) => setCurrent(e.currentTarget.value)}
          required
          data-testid="password-current"
        />
      </label>
      <label>
        New password
        <input type="password" autocomplete="new-password" value={next()} onInput={(e) => setNext(e.currentTarget.value)} required data-testid="password-new" />
      </label>
      <label>
        New password again
        <input type="password" autocomplete="new-password" value={again()} onInput={(e) => setAgain(e.currentTarget.value)} required data-testid="password-again" />
      </label>
      <Show when={problem() ?? props.error}>
        <p class="field-error" role="alert">
          {problem() ?? props.error}
        </p>
      </Show>
      <button type="submit" class="btn btn-primary" disabled={!ready() || props.busy} data-testid="password-save">
        {props.busy ? 'Saving…' : 'Save password'}
      </button>
      <Show when={props.onSignOut}>
        <button type="button" class="btn btn-ghost btn-small" onClick={() => props.onSignOut?.()}>
          Sign out instead
        </button>
      </Show>
    </form>
  )
}
