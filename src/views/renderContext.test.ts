import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

/**
 * Renders a view in a fresh Node process (vitest's own may have promise hooks on) and answers whether a
 * promise continuation is tracked afterwards: it is only while some AsyncLocalStorage is enabled.
 */
function promisesTrackedAfterRender(prime: boolean): string {
  const code = `
    import { executionAsyncResource } from 'node:async_hooks'
    import { jsx } from 'hono/jsx'
    import { renderWithoutAsyncContext } from './src/views/renderContext.ts'
    import { html } from './src/views/Message.tsx'
    ${prime ? 'renderWithoutAsyncContext()' : ''}
    const markup = html(jsx('p', {}, 'hello'))
    await null
    console.log(markup, executionAsyncResource() instanceof Promise)`
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' })
  if (out.status !== 0) throw new Error(out.stderr)
  return out.stdout.trim()
}

describe('rendering views', () => {
  it('keeps every promise of the process free of async hooks once the composition root primed the renderer', () => {
    expect(promisesTrackedAfterRender(true)).toBe('<p>hello</p> false')
  })

  it('would otherwise leave hooks on every promise after the first render (what the priming avoids)', () => {
    expect(promisesTrackedAfterRender(false)).toBe('<p>hello</p> true')
  })
})
