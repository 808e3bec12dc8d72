// Opening a room where the reader left off: the list scrolls to the first message they have not read
// (marked .first-unread by the server, the "New messages" divider above it), so it and what follows are
// in view, instead of the newest. Read markers then move only with what is on screen (awareness.js).
// Runs before awareness.js, so the first look at what is on screen is taken from here.
'use strict'
{
  /** Room above the divider: its label and a line of the message before stay in view. */
  const ABOVE = 40

  document.addEventListener('DOMContentLoaded', () => {
    const list = document.getElementById('messages')
    const box = document.getElementById('scroller')
    // A search result or a link to one message goes there instead (around.js, the browser).
    if (!list || !box || list.dataset.around || location.hash) return
    const first = list.querySelector(':scope > article.first-unread')
    if (!first) return
    const place = () => { box.scrollTop += first.getBoundingClientRect().top - box.getBoundingClientRect().top - ABOVE }
    place()
    // Images and fonts that load later change heights below the divider: place it again, unless the reader moved.
    let moved = false
    const placed = box.scrollTop
    box.addEventListener('scroll', () => { if (Math.abs(box.scrollTop - placed) > 2) moved = true }, { passive: true })
    window.addEventListener('load', () => { if (!moved) place() }, { once: true })
  })
}
