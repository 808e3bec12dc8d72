// The service worker: shows a push as a notification and, on a click, opens the
// room (focusing a tab already there). Served from /static/sw.js with
// Service-Worker-Allowed: / and registered for the whole origin by
// static/js/notifications.js. A push carries {title, body, url, tag, room, author}.
'use strict'

self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    data = { body: event.data ? event.data.text() : '' }
  }
  const title = typeof data.title === 'string' ? data.title : 'rtc'
  event.waitUntil(self.registration.showNotification(title, {
    body: typeof data.body === 'string' ? data.body : '',
    tag: typeof data.tag === 'string' ? data.tag : undefined,
    icon: '/favicon.ico',
    data: { url: typeof data.url === 'string' ? data.url : '/' },
  }))
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  // Only our own pages: a push names a path, never another site.
  const target = new URL(event.notification.data?.url || '/', self.location.origin)
  const url = target.origin === self.location.origin ? target.href : self.location.origin + '/'
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
    const open = windows.find((w) => w.url.split('#')[0] === url.split('#')[0])
    if (open) return open.focus()
    return self.clients.openWindow(url)
  })())
})
