// The offline page (static/offline.html, shown by the service worker): back to where the person was going once the network returns.
'use strict'
window.addEventListener('online', () => location.reload())
