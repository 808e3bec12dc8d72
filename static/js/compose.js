// The composer's keys and its honest offline state: Up in an empty composer edits one's last message,
// PageUp/PageDown scroll the message list, the skip link lands in it; a send kept while the server was
// unreachable goes once the socket is back (same nonce: never doubled); while the socket is down the
// member list says presence is unknown, and it is fetched afresh when the socket is back.
'use strict'
{
  const list = () => document.getElementById('messages')

  /** My newest message still standing: its Edit link (app.js opens the editor in place). */
  function lastOwnEdit() {
    const id = document.body.dataset.me
    const mine = [...(list()?.querySelectorAll('article.msg:not(.deleted):not(.editing)') ?? [])]
      .filter((m) => m.dataset.author === id)
    return mine.at(-1)?.querySelector(':scope > a.own') ?? null
  }

  document.addEventListener('DOMContentLoaded', () => {
    const composer = document.getElementById('composer')
    const body = composer?.querySelector('textarea[name="body"]')
    if (!composer || !body) return

    body.addEventListener('keydown', (e) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.isComposing) return
      if (e.key === 'ArrowUp' && body.value === '') {
        const edit = lastOwnEdit()
        if (!edit) return
        e.preventDefault()
        edit.click()
      } else if (e.key === 'PageUp' || e.key === 'PageDown') {
        const box = document.getElementById('scroller')
        if (!box) return
        e.preventDefault()
        box.scrollBy({ top: (e.key === 'PageUp' ? -1 : 1) * box.clientHeight * 0.9 })
      }
    })

    // The skip link: focus the composer itself (a fragment link only moves the reading position).
    document.querySelector('.skip-link')?.addEventListener('click', (e) => {
      e.preventDefault()
      body.focus()
    })

    // A send that got no answer at all keeps its text and nonce; it goes again once the socket is back.
    let kept = null
    composer.addEventListener('htmx:error', (e) => {
      if (!e.detail?.ctx?.response) kept = body.value
    })
    composer.addEventListener('htmx:after:request', (e) => {
      const status = e.detail?.ctx?.response?.status ?? 0
      if (status > 0) kept = null
    })
    document.addEventListener('htmx:ws:after:connection', () => {
      // Only the very text that failed: once the author changes it, sending is theirs to decide.
      if (kept !== null && kept.trim() !== '' && body.value === kept) composer.requestSubmit()
      kept = null
    })
  })

  // Presence while the socket is down is not known: say so rather than show a stale "online".
  let away = false
  const panel = () => document.getElementById('members-panel')
  document.addEventListener('htmx:ws:close', () => {
    away = true
    panel()?.setAttribute('data-presence', 'unknown')
  })
  document.addEventListener('htmx:ws:after:connection', async () => {
    const aside = panel()
    const room = document.getElementById('live')?.dataset.room
    if (!away || !aside || !room) return
    away = false
    try {
      const res = await fetch(`/rooms/${encodeURIComponent(room)}/members`, { credentials: 'same-origin', headers: { 'HX-Request': 'true' } })
      if (!res.ok) return
      const t = document.createElement('template')
      t.innerHTML = (await res.text()).trim()
      const fresh = t.content.firstElementChild
      if (!away && fresh?.id === 'members') document.getElementById('members')?.replaceWith(fresh)
      if (!away) aside.removeAttribute('data-presence')
    } catch {
      // Still unknown; the next push or reconnect tells.
    }
  })
}
