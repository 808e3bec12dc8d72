/**
 * Installing rtc as an app. The Install button shows only where the browser
 * offers it (static/js/install.js keeps its `beforeinstallprompt`); the
 * written steps cover the rest, iOS first: there Web Push reaches only a web
 * app added to the Home Screen.
 */
export function InstallSection() {
  return (
    <section id="install" class="install" aria-labelledby="install-title">
      <h2 id="install-title">Install rtc</h2>
      <p>Installed, rtc opens in its own window from your home screen or dock, like any app.</p>
      <div class="row">
        <button type="button" id="install-app" class="primary" hidden>Install rtc</button>
        <span id="install-state" role="status"></span>
      </div>
      <ul class="install-steps">
        <li><strong>iPhone and iPad:</strong> open this page in Safari, tap <span class="key">Share</span> (the square with an arrow), then <span class="key">Add to Home Screen</span>. Open rtc from its new icon and turn notifications on there: iOS sends push notifications only to apps on the Home Screen (iOS 16.4 or later).</li>
        <li><strong>Android:</strong> in Chrome's menu <span aria-hidden="true">⋮</span>, choose <span class="key">Install app</span> (or <span class="key">Add to Home screen</span>).</li>
        <li><strong>Computer:</strong> in Chrome or Edge, the install icon at the right of the address bar; in Safari on a Mac, <span class="key">File → Add to Dock</span>.</li>
      </ul>
    </section>
  )
}
