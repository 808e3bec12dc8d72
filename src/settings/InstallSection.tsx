import type { Key } from '../i18n/catalog.ts'
import { useT } from '../i18n/translate.ts'

/**
 * Installing rtc as an app. The Install button shows only where the browser
 * offers it (static/js/install.js keeps its `beforeinstallprompt`); the
 * written steps cover the rest, iOS first: there Web Push reaches only a web
 * app added to the Home Screen.
 */
export function InstallSection() {
  const t = useT()
  const key = (k: Key) => <span class="key">{t(k)}</span>
  return (
    <section id="install" class="install" aria-labelledby="install-title">
      <h2 id="install-title">{t('settings.installTitle')}</h2>
      <p>{t('settings.installText')}</p>
      <div class="row">
        <button type="button" id="install-app" class="primary" hidden>{t('settings.installTitle')}</button>
        <span id="install-state" role="status"></span>
      </div>
      <ul class="install-steps">
        <li>{t.rich('settings.installIos', { device: <strong>{t('settings.iphone')}</strong>, share: key('settings.share'), add: key('settings.addToHome') })}</li>
        <li>{t.rich('settings.installAndroid', {
          device: <strong>{t('settings.android')}</strong>, menu: <span aria-hidden="true">⋮</span>, install: key('settings.installApp'), add: key('settings.addToHomeAndroid'),
        })}</li>
        <li>{t.rich('settings.installComputer', { device: <strong>{t('settings.computer')}</strong>, dock: key('settings.addToDock') })}</li>
      </ul>
    </section>
  )
}
