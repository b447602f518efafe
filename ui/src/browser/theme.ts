/**
 * Light/dark theme: follows the system (prefers-color-scheme) until the user picks one; the choice
 * is kept in localStorage and applied as `<html data-theme>` (index.html applies it before paint).
 */
import { createSignal, type Accessor } from 'solid-js'

export type ThemeChoice = 'system' | 'light' | 'dark'

/** localStorage key (also read by the inline script in ui/index.html). */
export const THEME_KEY = 'llmlb-theme'

function read(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY)
    return v === 'light' || v === 'dark' ? v : 'system'
  } catch {
    return 'system'
  }
}

function applyTheme(choice: ThemeChoice): void {
  const root = document.documentElement
  if (choice === 'system') delete root.dataset.theme
  else root.dataset.theme = choice
  try {
    if (choice === 'system') localStorage.removeItem(THEME_KEY)
    else localStorage.setItem(THEME_KEY, choice)
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** The current choice and a setter that applies and remembers it. */
export function createTheme(): { theme: Accessor<ThemeChoice>; setTheme: (c: ThemeChoice) => void; cycle: () => void } {
  const [theme, set] = createSignal<ThemeChoice>(read())
  const setTheme = (c: ThemeChoice): void => {
    set(c)
    applyTheme(c)
  }
  const order: ThemeChoice[] = ['system', 'light', 'dark']
  return { theme, setTheme, cycle: () => setTheme(order[(order.indexOf(theme()) + 1) % order.length] as ThemeChoice) }
}
