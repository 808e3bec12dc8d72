// Phone drawers (the room list, the member list) and the header's action menu open by :target, so they
// work without JavaScript. With it, focus moves into one as it opens and back to the link that opened it
// as it closes, and Escape closes it.
'use strict'
{
  const PANELS = ['sidebar', 'members-panel', 'room-actions']
  const FOCUSABLE = 'a[href]:not(.close), button, input:not([type="hidden"]), select, textarea, summary'
  const phone = () => matchMedia('(max-width: 48rem)').matches
  let opener = null

  const open = () => (PANELS.includes(location.hash.slice(1)) ? document.getElementById(location.hash.slice(1)) : null)

  function close() {
    const was = open()
    // Back to no fragment (so :target lets go), then to the link that opened the drawer.
    location.hash = ''
    const back = opener?.checkVisibility() ? opener : document.querySelector(was?.id === 'sidebar' ? '.rooms-toggle' : '.actions-toggle')
    opener = null
    back?.focus()
  }

  function focusInto(panel) {
    const first = panel.querySelector('[aria-current="page"]') ?? panel.querySelector(FOCUSABLE)
    if (!first) return
    // A sliding drawer is still `visibility: hidden` on the frame it opens: try on each frame until it
    // shows (about a second at most), and only while it is still the open one.
    let frames = 60
    const go = () => {
      if (open() !== panel || panel.contains(document.activeElement)) return
      first.focus({ preventScroll: true })
      if (document.activeElement !== first && --frames > 0) requestAnimationFrame(go)
    }
    go()
  }

  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('a[href^="#"]')
    if (!link) return
    const id = link.getAttribute('href').slice(1)
    if (PANELS.includes(id)) {
      // The action menu's toggle closes what it opened.
      if (open()?.id === id && id === 'room-actions') {
        e.preventDefault()
        return close()
      }
      opener = link
    } else if (id === '' && open()) {
      e.preventDefault()
      close()
    }
  })

  window.addEventListener('hashchange', () => {
    const panel = open()
    if (panel && phone()) focusInto(panel)
  })

  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented || !open() || !phone()) return
    e.preventDefault()
    close()
  })

  // A tap outside the action menu closes it.
  document.addEventListener('click', (e) => {
    const panel = open()
    if (panel?.id === 'room-actions' && !panel.contains(e.target) && !e.target.closest?.('.actions-toggle')) {
      location.hash = ''
      opener = null
    }
  })
}
