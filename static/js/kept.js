// A message's Copy link, Pin and Save, done in place: the link goes to the clipboard, a pin redraws the
// member panel's pins (and reaches everyone else over the socket), a save says it was saved. Without this
// script the link opens the message in its room and the forms post and come back.
'use strict'
{
  const said = (el, text) => {
    const was = el.textContent
    el.textContent = text
    el.classList.add('done')
    setTimeout(() => { el.textContent = was; el.classList.remove('done') }, 1500)
  }

  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('article.msg a.act-link')
    if (!link || !navigator.clipboard) return
    e.preventDefault()
    navigator.clipboard.writeText(new URL(link.getAttribute('href'), location.href).href).then(() => said(link, 'Copied'), () => { location.href = link.href })
  })

  document.addEventListener('submit', (e) => {
    const form = e.target.closest?.('article.msg form.act-form')
    if (!form || e.defaultPrevented) return
    e.preventDefault()
    const button = form.querySelector('button')
    const pin = button.classList.contains('act-pin')
    const pins = document.getElementById('pins')
    htmx.ajax('POST', form.getAttribute('action'), pin && pins ? { source: form, target: '#pins', swap: 'outerHTML' } : { source: form, swap: 'none' })
      .then(() => said(button, pin ? 'Pinned' : 'Saved'))
  })
}
