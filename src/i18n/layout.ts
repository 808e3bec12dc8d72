import { defineArea } from './area.ts'

/** The frame of every page (header, search box) and the error page. */
export const layout = defineArea({
  yourProfile: 'Your profile',
  sessions: 'Sessions',
  settings: 'Settings',
  signOut: 'Sign out',
  searchMessages: 'Search messages',
  search: 'Search',
  notFound: 'Not found',
  wentWrong: 'Something went wrong',
  refused: 'Request refused',
  signIn: 'Sign in',
  backToRooms: 'Back to your rooms',
}, {
  de: {
    yourProfile: 'Dein Profil', sessions: 'Sitzungen', settings: 'Einstellungen', signOut: 'Abmelden',
    searchMessages: 'Nachrichten durchsuchen', search: 'Suchen', notFound: 'Nicht gefunden', wentWrong: 'Etwas ist schiefgelaufen',
    refused: 'Anfrage abgelehnt', signIn: 'Anmelden', backToRooms: 'Zurück zu deinen Räumen',
  },
  fr: {
    yourProfile: 'Votre profil', sessions: 'Sessions', settings: 'Réglages', signOut: 'Se déconnecter',
    searchMessages: 'Rechercher dans les messages', search: 'Rechercher', notFound: 'Introuvable', wentWrong: 'Une erreur est survenue',
    refused: 'Requête refusée', signIn: 'Se connecter', backToRooms: 'Retour à vos salons',
  },
  es: {
    yourProfile: 'Tu perfil', sessions: 'Sesiones', settings: 'Ajustes', signOut: 'Cerrar sesión',
    searchMessages: 'Buscar mensajes', search: 'Buscar', notFound: 'No encontrado', wentWrong: 'Algo salió mal',
    refused: 'Solicitud rechazada', signIn: 'Iniciar sesión', backToRooms: 'Volver a tus salas',
  },
  pt: {
    yourProfile: 'O seu perfil', sessions: 'Sessões', settings: 'Definições', signOut: 'Terminar sessão',
    searchMessages: 'Pesquisar mensagens', search: 'Pesquisar', notFound: 'Não encontrado', wentWrong: 'Algo correu mal',
    refused: 'Pedido recusado', signIn: 'Entrar', backToRooms: 'Voltar às suas salas',
  },
})
