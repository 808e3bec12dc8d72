import { defineArea } from './area.ts'

/** The lobby: the signed-in person's rooms, public rooms, and the forms that start new ones. */
export const lobby = defineArea({
  hello: 'Hello, {name}',
  adminLink: '{link}: rooms, members, bots and the audit log',
  administration: 'Administration',
  yourRooms: 'Your rooms',
  inNoRooms: 'You are in no rooms yet.',
  publicRooms: 'Public rooms',
  noPublic: 'No other public rooms.',
  join: 'Join',
  newRoom: 'New room',
  roomName: 'Room name',
  whoCanJoin: 'Who can join',
  publicChoice: 'Public: anyone signed in can join',
  privateChoice: 'Private: members add members',
  create: 'Create',
  directMessage: 'Direct message',
  githubLogin: 'GitHub login',
  open: 'Open',
  noMessagesYet: 'no messages yet',
}, {
  de: {
    hello: 'Hallo, {name}', adminLink: '{link}: Räume, Mitglieder, Bots und das Prüfprotokoll', administration: 'Verwaltung',
    yourRooms: 'Deine Räume', inNoRooms: 'Du bist noch in keinem Raum.', publicRooms: 'Öffentliche Räume', noPublic: 'Keine weiteren öffentlichen Räume.',
    join: 'Beitreten', newRoom: 'Neuer Raum', roomName: 'Name des Raums', whoCanJoin: 'Wer beitreten kann',
    publicChoice: 'Öffentlich: alle Angemeldeten können beitreten', privateChoice: 'Privat: Mitglieder nehmen Mitglieder auf', create: 'Erstellen',
    directMessage: 'Direktnachricht', githubLogin: 'GitHub-Login', open: 'Öffnen', noMessagesYet: 'noch keine Nachrichten',
  },
  fr: {
    hello: 'Bonjour, {name}', adminLink: '{link} : salons, membres, bots et journal d’audit', administration: 'Administration',
    yourRooms: 'Vos salons', inNoRooms: 'Vous n’êtes encore dans aucun salon.', publicRooms: 'Salons publics', noPublic: 'Aucun autre salon public.',
    join: 'Rejoindre', newRoom: 'Nouveau salon', roomName: 'Nom du salon', whoCanJoin: 'Qui peut rejoindre',
    publicChoice: 'Public : toute personne connectée peut rejoindre', privateChoice: 'Privé : les membres ajoutent les membres', create: 'Créer',
    directMessage: 'Message direct', githubLogin: 'Identifiant GitHub', open: 'Ouvrir', noMessagesYet: 'pas encore de messages',
  },
  es: {
    hello: 'Hola, {name}', adminLink: '{link}: salas, miembros, bots y el registro de auditoría', administration: 'Administración',
    yourRooms: 'Tus salas', inNoRooms: 'Todavía no estás en ninguna sala.', publicRooms: 'Salas públicas', noPublic: 'No hay otras salas públicas.',
    join: 'Unirse', newRoom: 'Nueva sala', roomName: 'Nombre de la sala', whoCanJoin: 'Quién puede unirse',
    publicChoice: 'Pública: cualquiera con sesión iniciada puede unirse', privateChoice: 'Privada: los miembros añaden miembros', create: 'Crear',
    directMessage: 'Mensaje directo', githubLogin: 'Usuario de GitHub', open: 'Abrir', noMessagesYet: 'todavía sin mensajes',
  },
  pt: {
    hello: 'Olá, {name}', adminLink: '{link}: salas, membros, bots e o registo de auditoria', administration: 'Administração',
    yourRooms: 'As suas salas', inNoRooms: 'Ainda não está em nenhuma sala.', publicRooms: 'Salas públicas', noPublic: 'Não há outras salas públicas.',
    join: 'Entrar', newRoom: 'Nova sala', roomName: 'Nome da sala', whoCanJoin: 'Quem pode entrar',
    publicChoice: 'Pública: qualquer pessoa com sessão iniciada pode entrar', privateChoice: 'Privada: os membros adicionam membros', create: 'Criar',
    directMessage: 'Mensagem direta', githubLogin: 'Login do GitHub', open: 'Abrir', noMessagesYet: 'ainda sem mensagens',
  },
})
