// A room opened around one message (a search result, or the first unread far up): scroll to it and mark
// it, then load the messages after it, a page each time the reader reaches
// the gap edge (#messages .gap). Live messages sort below the edge by id, so
// nothing is missed or shown twice on the way down to the present.
'use strict'
{
  const NEAR = 48
  let loading = null

  const gapLink = () => document.querySelector('#messages .gap a[hx-get]')

  function gapInView() {
    const link = gapLink()
    const box = document.getElementById('scroller')
    if (!link || !box) return false
    return link.getBoundingClientRect().top <= box.getBoundingClientRect().bottom + NEAR
  }

  function loadNewer() {
    if (loading || !gapInView()) return
    loading = true
    htmx.trigger(gapLink(), 'rtc-bottom')
  }

  document.addEventListener('htmx:before:request', (e) => {
    if (e.target.closest?.('.gap')) loading = e.detail.ctx
  })
  const settled = (e) => {
    if (e.detail?.ctx !== loading) return
    loading = null
    loadNewer()
  }
  document.addEventListener('htmx:after:swap', settled)
  document.addEventListener('htmx:response:error', settled)
  document.addEventListener('htmx:error', settled)

  document.addEventListener('DOMContentLoaded', () => {
    const list = document.getElementById('messages')
    const box = document.getElementById('scroller')
    const id = list?.dataset.around
    // A gap edge also follows a room opened far above its newest at the first unread message (unread.js).
    if (!box || (!id && !gapLink())) return
    const found = id && document.getElementById(`m-${id}`)
    if (found) {
      found.classList.add('found')
      found.scrollIntoView({ block: 'center' })
      // The browser scrolls to the link's #m-ID (for readers without JavaScript) after this: centre it again then.
      window.addEventListener('load', () => found.scrollIntoView({ block: 'center' }), { once: true })
    }
    box.addEventListener('scroll', loadNewer, { passive: true })
    loadNewer()
  })
}
