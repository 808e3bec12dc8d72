// Installing rtc as an app: the service worker (static/sw.js: the offline page, push) is registered on every
// page, and on the settings page the browser's install offer (`beforeinstallprompt`, Chromium) becomes the
// "Install rtc" button; other browsers follow the written steps beside it.
'use strict'
{
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/static/sw.js', { scope: '/' }).catch(() => {})

  const installed = () => matchMedia('(display-mode: standalone)').matches || navigator.standalone === true
  let offer = null
  const button = () => document.getElementById('install-app')
  const say = (text) => {
    const state = document.getElementById('install-state')
    if (state) state.textContent = text
  }

  window.addEventListener('beforeinstallprompt', (e) => {
    // Elsewhere the browser's own offer stays as it is; here it waits for the button.
    if (!button()) return
    e.preventDefault()
    offer = e
    button().hidden = false
  })
  window.addEventListener('appinstalled', () => {
    offer = null
    if (button()) button().hidden = true
    say('rtc is installed: open it from your home screen or app list.')
  })

  document.addEventListener('DOMContentLoaded', () => {
    const install = button()
    if (!install) return
    if (installed()) say('You are using the installed rtc.')
    install.addEventListener('click', async () => {
      if (!offer) return
      install.disabled = true
      try {
        await offer.prompt()
        const { outcome } = await offer.userChoice
        // An offer is good for one prompt; the browser makes a new one later.
        install.hidden = true
        if (outcome !== 'accepted') say('Not installed. Your browser\'s menu can install rtc whenever you like.')
      } finally {
        install.disabled = false
        offer = null
      }
    })
  })
}
