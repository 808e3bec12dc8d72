import { defineArea } from './area.ts'
import type { Language } from './languages.ts'
import { message } from './message.ts'
import { sidebar } from './sidebar.ts'

/** What static/app.js says by itself (the connection line); handed to it in the page's `data-strings`. */
export const client = defineArea({
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  sessionEnded: 'Your session ended. Sign in again to continue.',
  tooManyOpen: 'Disconnected: too many open connections. Reload to reconnect here.',
  tooManyOpened: 'Too many connections opened lately. Reload the page in a minute.',
  noLongerMember: 'You are no longer a member of this room.',
  disconnected: 'Disconnected. Reload to reconnect.',
  newMessages: 'New messages',
  unseen: { one: '{n} new message — jump to latest', other: '{n} new messages — jump to latest' },
}, {
  de: {
    connecting: 'Verbinde…', connected: 'Verbunden', reconnecting: 'Verbinde neu…', sessionEnded: 'Deine Sitzung ist beendet. Melde dich erneut an, um weiterzumachen.',
    tooManyOpen: 'Getrennt: zu viele offene Verbindungen. Lade neu, um dich hier wieder zu verbinden.',
    tooManyOpened: 'Zuletzt wurden zu viele Verbindungen geöffnet. Lade die Seite in einer Minute neu.',
    noLongerMember: 'Du bist nicht mehr Mitglied dieses Raums.', disconnected: 'Getrennt. Lade neu, um dich wieder zu verbinden.', newMessages: 'Neue Nachrichten',
    unseen: { one: '{n} neue Nachricht — zur neuesten', other: '{n} neue Nachrichten — zur neuesten' },
  },
  fr: {
    connecting: 'Connexion…', connected: 'Connecté', reconnecting: 'Reconnexion…', sessionEnded: 'Votre session a pris fin. Reconnectez-vous pour continuer.',
    tooManyOpen: 'Déconnecté : trop de connexions ouvertes. Rechargez pour vous reconnecter ici.',
    tooManyOpened: 'Trop de connexions ouvertes récemment. Rechargez la page dans une minute.',
    noLongerMember: 'Vous n’êtes plus membre de ce salon.', disconnected: 'Déconnecté. Rechargez pour vous reconnecter.', newMessages: 'Nouveaux messages',
    unseen: { one: '{n} nouveau message — aller au plus récent', other: '{n} nouveaux messages — aller au plus récent' },
  },
  es: {
    connecting: 'Conectando…', connected: 'Conectado', reconnecting: 'Reconectando…', sessionEnded: 'Tu sesión terminó. Vuelve a iniciar sesión para continuar.',
    tooManyOpen: 'Desconectado: demasiadas conexiones abiertas. Recarga para volver a conectarte aquí.',
    tooManyOpened: 'Se abrieron demasiadas conexiones hace poco. Recarga la página en un minuto.',
    noLongerMember: 'Ya no eres miembro de esta sala.', disconnected: 'Desconectado. Recarga para volver a conectarte.', newMessages: 'Mensajes nuevos',
    unseen: { one: '{n} mensaje nuevo — ir al más reciente', other: '{n} mensajes nuevos — ir al más reciente' },
  },
  pt: {
    connecting: 'A ligar…', connected: 'Ligado', reconnecting: 'A voltar a ligar…', sessionEnded: 'A sua sessão terminou. Entre de novo para continuar.',
    tooManyOpen: 'Desligado: demasiadas ligações abertas. Recarregue para voltar a ligar aqui.',
    tooManyOpened: 'Foram abertas demasiadas ligações recentemente. Recarregue a página daqui a um minuto.',
    noLongerMember: 'Já não é membro desta sala.', disconnected: 'Desligado. Recarregue para voltar a ligar.', newMessages: 'Mensagens novas',
    unseen: { one: '{n} mensagem nova — ir para a mais recente', other: '{n} mensagens novas — ir para a mais recente' },
  },
})

/** The words static/app.js needs, for the page's `data-strings`: this area, and the message and sidebar areas (to relabel socket pushes). */
export function clientStrings(lang: Language): string {
  return (cache[lang] ??= JSON.stringify({ ...sidebar[lang], ...client[lang], ...message[lang] }))
}
const cache: Partial<Record<Language, string>> = {}
