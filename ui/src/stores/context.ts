/**
 * Provider + `useX()` pairs for the stores. `useX()` throws outside its provider, so a page that
 * forgot a provider fails loudly at render, not with a silent `undefined`.
 */
import { createComponent, createContext, useContext, type JSX } from 'solid-js'

export interface StoreContext<T> {
  Provider: (props: { value: T; children?: JSX.Element }) => JSX.Element
  use: () => T
}

export function createStoreContext<T>(name: string): StoreContext<T> {
  const Ctx = createContext<T>()
  return {
    Provider: (props) =>
      createComponent(Ctx.Provider, {
        get value() {
          return props.value
        },
        get children() {
          return props.children
        }
      }),
    use: () => {
      const value = useContext(Ctx)
      if (value === undefined) throw new Error(`use${name}() called outside <${name}Provider>`)
      return value
    }
  }
}
