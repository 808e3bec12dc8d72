// The service worker, registered for the whole origin (served from /static/sw.js with Service-Worker-Allowed: /)
// on every page by static/js/install.js, and by static/js/notifications.js when push is turned on. It shows a
// push as a notification and, on a click, opens the room (focusing a tab already there); a page opened while
// the network is away gets the offline page instead of the browser's error. Nothing else is cached: rtc is live.
// A push carries {title, body, url, tag, room, author}.
'use strict'

const CACHE = 'rtc-offline-v1'
const OFFLINE = '/static/offline.html'
const OFFLINE_FILES = [OFFLINE, '/static/app.css', '/static/js/offline.js', '/static/icons/icon-192.png']

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(OFFLINE_FILES)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name)
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', (event) => {
  const { request } = event
  // Pages only, and only when the network fails: every answer still comes from the server when it can.
  if (request.mode === 'navigate' && request.method === 'GET') {
    event.respondWith(fetch(request).catch(async () => (await caches.match(OFFLINE)) || Response.error()))
    return
  }
  // The offline page's own files, while offline.
  if (request.method === 'GET' && OFFLINE_FILES.includes(new URL(request.url).pathname)) {
    event.respondWith(fetch(request).catch(async () => (await caches.match(request)) || Response.error()))
  }
})

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
    icon: '/static/icons/icon-192.png',
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
