// The offline page (static/offline.html, shown by the service worker when a page could not be fetched): it asks the
// server every few seconds, and at once when the browser says the network is back, and reloads once it answers.
'use strict'
{
  let timer = null
  const retry = async () => {
    clearTimeout(timer)
    try {
      if ((await fetch('/healthz', { cache: 'no-store' })).ok) return location.reload()
    } catch {
      // Still away: the next try is below.
    }
    timer = setTimeout(retry, 3000)
  }
  window.addEventListener('online', retry)
  timer = setTimeout(retry, 3000)
}
