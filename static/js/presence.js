// Says over the room's socket whether someone is looking at this tab, so Web Push reaches the phone once the
// desktop is left alone (src/presence/attention.ts): `active` when the tab is shown or used (at most a few times
// per idle period, the last use always told), `hidden` when it is hidden. A tab that says nothing counts as away.
'use strict'
{
  let connection = null
  let told = null
  let toldAt = 0
  let later = null
  /** The server's idle period (PRESENCE_IDLE_SECONDS), drawn on the page. */
  const idleMs = () => Number(document.getElementById('live')?.dataset.idleSeconds || 120) * 1000

  function tell(state) {
    clearTimeout(later)
    later = null
    const socket = connection?.socket
    if (!socket || socket.readyState !== WebSocket.OPEN) return
    socket.send(JSON.stringify({ presence: state }))
    told = state
    toldAt = Date.now()
  }

  function used() {
    if (document.visibilityState !== 'visible') return
    const wait = toldAt + Math.max(1000, idleMs() / 4) - Date.now()
    if (told !== 'active' || wait <= 0) return tell('active')
    // Within the period: the latest use is told when it ends, so the server's idle clock starts from it.
    later ??= setTimeout(() => { if (document.visibilityState === 'visible') tell('active') }, wait)
  }

  document.addEventListener('htmx:ws:after:connection', (e) => {
    connection = e.detail.connection
    told = null
    if (document.visibilityState === 'visible') tell('active')
    else tell('hidden')
  })
  document.addEventListener('visibilitychange', () => (document.visibilityState === 'visible' ? tell('active') : tell('hidden')))
  for (const type of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus']) {
    window.addEventListener(type, used, { capture: true, passive: true })
  }
}
