// Push notifications for this browser, from the settings page: a click asks the
// Notification permission (never on load), registers the service worker for the
// whole origin and subscribes with the server's VAPID key, then hands the
// subscription to POST /push/subscriptions. "Stop" unsubscribes and tells the server.
// The server keeps a subscription only while the session that posted it lives (sign-out, "sign out everywhere",
// expiry and a ban end it), but the browser keeps it: once per tab and sign-in, any page of the person who turned
// it on in this browser hands it back, bound to the session that page is open in.
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
  const capable = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
  const current = async () => (await navigator.serviceWorker.getRegistration('/'))?.pushManager.getSubscription()
  // Who turned notifications on in this browser (a user id), and to whom this tab has handed the subscription back.
  const OWNER = 'rtc-push-owner'
  const HANDED = 'rtc-push-handed'

  /** Hands this browser's subscription to the current session if its person turned it on here; answers whether the server has it. */
  const handBack = async (again) => {
    const me = document.body.dataset.me
    if (!me) {
      // Signed out (the sign-in page): the next sign-in hands it back again.
      sessionStorage.removeItem(HANDED)
      return false
    }
    if (!capable() || Notification.permission !== 'granted' || localStorage.getItem(OWNER) !== me) return false
    if (!again && sessionStorage.getItem(HANDED) === me) return true
    const held = await current().catch(() => null)
    if (!held) return false
    const handed = await post('/push/subscriptions', held.toJSON()).then(() => true, () => false)
    if (handed) sessionStorage.setItem(HANDED, me)
    return handed
  }

  document.addEventListener('DOMContentLoaded', async () => {
    const box = document.getElementById('push-device')
    if (!box) {
      await handBack(false)
      return
    }
    const state = document.getElementById('push-state')
    const enable = document.getElementById('push-enable')
    const disable = document.getElementById('push-disable')
    const say = (text) => { state.textContent = text }
    if (!capable()) {
      say('This browser cannot receive push notifications.')
      return
    }
    const registration = () => navigator.serviceWorker.register('/static/sw.js', { scope: '/' })
    const show = (subscribed) => {
      enable.hidden = subscribed
      disable.hidden = !subscribed
    }
    show(await handBack(true))

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
        localStorage.setItem(OWNER, document.body.dataset.me)
        sessionStorage.setItem(HANDED, document.body.dataset.me)
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
          localStorage.removeItem(OWNER)
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
