// The room's export links carry the browser's time zone, so the transcript's times read as the reader's clock.
// Without this script the server writes them in UTC and says so at the top.
'use strict'
document.addEventListener('click', (e) => {
  const link = e.target.closest?.('a[data-export]')
  if (!link) return
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  if (!zone) return
  const url = new URL(link.getAttribute('href'), location.href)
  url.searchParams.set('tz', zone)
  link.setAttribute('href', url.pathname + url.search)
})
