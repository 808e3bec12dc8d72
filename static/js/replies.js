// Answering a message in place: a message's Reply sets the chip above the composer (the answered message's
// author and first words, and its id in the form's `reply_to`), × takes it back, a send clears it. Without
// this script Reply opens a page with the message and a composer that answers it.
'use strict'
{
  const EXCERPT = 120
  const chip = () => document.getElementById('reply-chip')

  function clear() {
    const c = chip()
    if (!c) return
    c.hidden = true
    const input = c.querySelector('input[name="reply_to"]')
    input.value = ''
    input.disabled = true
  }

  document.addEventListener('click', (e) => {
    const reply = e.target.closest?.('article.msg a.act-reply')
    const c = chip()
    if (reply && c) {
      e.preventDefault()
      const article = reply.closest('article.msg')
      const input = c.querySelector('input[name="reply_to"]')
      input.value = article.dataset.key
      input.disabled = false
      c.querySelector('.who').textContent = article.querySelector('header .who')?.textContent ?? ''
      const text = (article.querySelector('.body')?.textContent ?? '').replace(/\s+/g, ' ').trim()
      c.querySelector('.reply-text').textContent = [...text].length > EXCERPT ? `${[...text].slice(0, EXCERPT).join('')}…` : text
      c.hidden = false
      document.querySelector('#composer textarea[name="body"]')?.focus()
      return
    }
    if (e.target.closest?.('#reply-chip .reply-cancel')) {
      e.preventDefault()
      clear()
      document.querySelector('#composer textarea[name="body"]')?.focus()
    }
  })

  // Escape in the composer drops the answer first (the text stays).
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && e.target.closest?.('#composer') && chip() && !chip().hidden) {
      e.preventDefault()
      clear()
    }
  })

  document.addEventListener('htmx:after:request', (e) => {
    const status = e.detail?.ctx?.response?.status ?? 0
    if (e.target?.id === 'composer' && status >= 200 && status < 300) clear()
  })
}
