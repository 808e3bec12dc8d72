// Older history: one page each time the reader reaches the top, never the
// same page twice. The link in #older waits for `rtc-top` (not `intersect`,
// which fired again at once for each new link still in view and so loaded
// the whole history in one go).
'use strict'
{
  const NEAR_TOP = 48
  const asked = new Set()
  let armed = true
  let loading = null

  const olderLink = () => document.querySelector('#older a[hx-get]')
  // The scroller is bottom-up: scrollTop runs from -(scrollHeight - clientHeight) at the top to 0.
  const fromTop = (box) => box.scrollHeight - box.clientHeight + box.scrollTop

  function loadOlder() {
    const link = olderLink()
    if (!link || !armed || loading) return
    const url = link.getAttribute('hx-get')
    if (asked.has(url)) return
    asked.add(url)
    armed = false
    htmx.trigger(link, 'rtc-top')
  }

  function settled(ctx) {
    if (ctx !== loading) return
    loading = null
    armed = true
    // A page too short to scroll cannot be scrolled to the top again: fill it.
    const box = document.getElementById('scroller')
    if (box && box.scrollHeight <= box.clientHeight) loadOlder()
  }

  document.addEventListener('htmx:before:request', (e) => {
    if (e.target.closest?.('#older')) loading = e.detail.ctx
  })
  document.addEventListener('htmx:after:swap', (e) => settled(e.detail.ctx))
  document.addEventListener('htmx:response:error', (e) => settled(e.detail.ctx))
  document.addEventListener('htmx:error', (e) => settled(e.detail.ctx))

  document.addEventListener('DOMContentLoaded', () => {
    const box = document.getElementById('scroller')
    if (!box) return
    // A finished load puts the page above the reader, so the next reach of the top is a new scroll.
    box.addEventListener('scroll', () => { if (fromTop(box) <= NEAR_TOP) loadOlder() }, { passive: true })
    if (box.scrollHeight <= box.clientHeight) loadOlder()
  })
}
