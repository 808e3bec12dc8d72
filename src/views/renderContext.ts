import { jsx } from 'hono/jsx'

/**
 * hono/jsx keeps a render's context across `await` with an AsyncLocalStorage, found by probing
 * `process.getBuiltinModule('node:async_hooks')` at the first render. On Node 20 an AsyncLocalStorage
 * that has run once puts hooks on every promise of the process for good: measured here, an await costs
 * 1.6–2.8 times as much, in the drivers and everywhere else. Our components are synchronous and use no
 * context (`html()` refuses an async one), so the first render is made here with that probe finding
 * nothing: hono then keeps the context for a render's synchronous part only, which is all it has.
 */
export function renderWithoutAsyncContext(): void {
  const proc = process as { getBuiltinModule?: (id: string) => unknown }
  const original = proc.getBuiltinModule
  if (!original) return
  proc.getBuiltinModule = (id: string) => (id === 'node:async_hooks' || id === 'async_hooks' ? undefined : original.call(process, id))
  try {
    String(jsx('i', {}))
  } finally {
    proc.getBuiltinModule = original
  }
}
