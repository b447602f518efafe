/**
 * The new key, shown once. The secret sits in a read-only textarea that selects itself on focus, so
 * it can be copied by hand even where the copy button cannot reach the clipboard.
 */
import { CopyButton } from '../../components/copy-button.jsx'

export function KeySecret(props: { name: string; secret: string; onDismiss: () => void }) {
  return (
    <section class="note note-ok key-secret" data-testid="key-created" role="status">
      <p>
        <strong>Key “{props.name}” created.</strong> Copy it now: it will not be shown again.
      </p>
      <div class="command">
        <textarea
          class="mono secret"
          readOnly
          rows="1"
          value={props.secret}
          onFocus={(e) => e.currentTarget.select()}
          data-testid="key-secret"
          aria-label="The new API key"
        />
        <CopyButton text={props.secret} testId="key-copy" />
      </div>
      <button type="button" class="btn btn-small" onClick={() => props.onDismiss()} data-testid="key-dismiss">
        I have stored it
      </button>
    </section>
  )
}
