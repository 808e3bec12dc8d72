// Push notifications for this browser, from the settings page: a click asks the
// Notification permission (never on load), registers the service worker for the
// whole origin and subscribes with the server's VAPID key, then hands the
// subscription to POST /push/subscriptions. "Stop" unsubscribes and tells the server.
// The server keeps a subscription only as long as the session that posted it.
'use strict'
{
  const key = (base64url) => {
    const raw = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4))
    return Uint8Array.from(raw, (c) => c.charCodeAt(0))
  }

  const post = (path, subscription) => fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(subscription),
  }).then(async (res) => {
    const answer = await res.json().catch(() => ({}))
    if (!res.ok) throw new Error(answer.error || `The server answered ${res.status}.`)
    return answer
  })

  const devices = (n) => (n === 1 ? '1 browser' : `${n} browsers`)

  document.addEventListener('DOMContentLoaded', async () => {
    const box = document.getElementById('push-device')
    if (!box) return
    const state = document.getElementById('push-state')
    const enable = document.getElementById('push-enable')
    const disable = document.getElementById('push-disable')
    const say = (text) => { state.textContent = text }
    if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
      say('This browser cannot receive push notifications.')
      return
    }
    const registration = () => navigator.serviceWorker.register('/static/sw.js', { scope: '/' })
    const current = async () => (await navigator.serviceWorker.getRegistration('/'))?.pushManager.getSubscription()
    const show = (subscribed) => {
      enable.hidden = subscribed
      disable.hidden = !subscribed
    }
    // A subscription belongs to the session that made it and ends with it (sign-out, ban). This browser still
    // holds it afterwards: when the person who turned it on opens this page signed in again, it is handed back.
    const mine = 'rtc-push-login'
    const held = Notification.permission === 'granted' ? await current().catch(() => null) : null
    let subscribed = false
    if (held && localStorage.getItem(mine) === box.dataset.login) {
      subscribed = await post('/push/subscriptions', held.toJSON()).then(() => true, () => false)
    }
    show(subscribed)

    enable.addEventListener('click', async () => {
      enable.disabled = true
      try {
        const permission = await Notification.requestPermission()
        if (permission !== 'granted') {
          say('Notifications are blocked for this site; allow them in the browser\'s site settings to turn them on.')
          return
        }
        const reg = await registration()
        await navigator.serviceWorker.ready
        const subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.dataset.vapidKey) })
        const answer = await post('/push/subscriptions', subscription.toJSON())
        localStorage.setItem(mine, box.dataset.login)
        say(`This browser gets push notifications (${devices(answer.devices)} of yours in all).`)
        show(true)
      } catch (err) {
        say(`Push notifications could not be turned on: ${err.message}`)
      } finally {
        enable.disabled = false
      }
    })

    disable.addEventListener('click', async () => {
      disable.disabled = true
      try {
        const subscription = await current()
        if (subscription) {
          const answer = await post('/push/subscriptions/delete', { endpoint: subscription.endpoint })
          await subscription.unsubscribe()
          localStorage.removeItem(mine)
          say(answer.devices === 0 ? 'This browser no longer gets push notifications.' : `This browser no longer gets push notifications (${devices(answer.devices)} of yours still do).`)
        }
        show(false)
      } catch (err) {
        say(`Could not stop: ${err.message}`)
      } finally {
        disable.disabled = false
      }
    })
  })
}
