import { defineArea } from './area.ts'

/** The room list beside a room (and its drawer on phones). */
export const sidebar = defineArea({
  unreadMentions: { one: '{n} unread mention of you', other: '{n} unread mentions of you' },
  unreadMessages: { one: '{n} unread message', other: '{n} unread messages' },
  rooms: 'Rooms',
  noRooms: 'No rooms yet.',
  directMessages: 'Direct messages',
  noDirect: 'No direct messages yet.',
  yourRooms: 'Your rooms',
  newRoomOrDm: 'New room or direct message',
  createRoom: 'Create a room',
  joinPublic: 'Join a public room',
  directMessage: 'Direct message',
  closeRooms: 'Close the room list',
  notifyEnable: 'Show notifications on this device',
}, {
  de: {
    unreadMentions: { one: '{n} ungelesene Erwähnung von dir', other: '{n} ungelesene Erwähnungen von dir' },
    unreadMessages: { one: '{n} ungelesene Nachricht', other: '{n} ungelesene Nachrichten' },
    rooms: 'Räume', noRooms: 'Noch keine Räume.', directMessages: 'Direktnachrichten', noDirect: 'Noch keine Direktnachrichten.',
    yourRooms: 'Deine Räume', newRoomOrDm: 'Neuer Raum oder Direktnachricht', createRoom: 'Einen Raum erstellen',
    joinPublic: 'Einem öffentlichen Raum beitreten', directMessage: 'Direktnachricht', closeRooms: 'Raumliste schließen',
    notifyEnable: 'Benachrichtigungen auf diesem Gerät zeigen',
  },
  fr: {
    unreadMentions: { one: '{n} mention non lue de vous', other: '{n} mentions non lues de vous' },
    unreadMessages: { one: '{n} message non lu', other: '{n} messages non lus' },
    rooms: 'Salons', noRooms: 'Pas encore de salons.', directMessages: 'Messages directs', noDirect: 'Pas encore de messages directs.',
    yourRooms: 'Vos salons', newRoomOrDm: 'Nouveau salon ou message direct', createRoom: 'Créer un salon',
    joinPublic: 'Rejoindre un salon public', directMessage: 'Message direct', closeRooms: 'Fermer la liste des salons',
    notifyEnable: 'Afficher les notifications sur cet appareil',
  },
  es: {
    unreadMentions: { one: '{n} mención sin leer', other: '{n} menciones sin leer' },
    unreadMessages: { one: '{n} mensaje sin leer', other: '{n} mensajes sin leer' },
    rooms: 'Salas', noRooms: 'Todavía no hay salas.', directMessages: 'Mensajes directos', noDirect: 'Todavía no hay mensajes directos.',
    yourRooms: 'Tus salas', newRoomOrDm: 'Nueva sala o mensaje directo', createRoom: 'Crear una sala',
    joinPublic: 'Unirse a una sala pública', directMessage: 'Mensaje directo', closeRooms: 'Cerrar la lista de salas',
    notifyEnable: 'Mostrar notificaciones en este dispositivo',
  },
  pt: {
    unreadMentions: { one: '{n} menção não lida', other: '{n} menções não lidas' },
    unreadMessages: { one: '{n} mensagem não lida', other: '{n} mensagens não lidas' },
    rooms: 'Salas', noRooms: 'Ainda não há salas.', directMessages: 'Mensagens diretas', noDirect: 'Ainda não há mensagens diretas.',
    yourRooms: 'As suas salas', newRoomOrDm: 'Nova sala ou mensagem direta', createRoom: 'Criar uma sala',
    joinPublic: 'Entrar numa sala pública', directMessage: 'Mensagem direta', closeRooms: 'Fechar a lista de salas',
    notifyEnable: 'Mostrar notificações neste dispositivo',
  },
})
