import { defineArea } from './area.ts'

/**
 * A message's own words (its actions, reply line, editor, reactions, link card). A message pushed over the
 * socket is rendered once for every reader, in English: static/app.js puts these in the page's language
 * (the elements carry `data-t`, the page carries this area in `data-strings`).
 */
export const message = defineArea({
  inReplyToMessage: 'In reply to a message',
  inReplyToDeleted: 'In reply to a deleted message',
  inReplyTo: 'In reply to ',
  reply: 'Reply',
  copyLink: 'Copy link',
  pin: 'Pin',
  save: 'Save',
  edited: ' (edited)',
  deleted: 'This message was deleted.',
  edit: 'Edit',
  delete: 'Delete',
  confirmDelete: 'Delete this message for everyone? This cannot be undone.',
  addReaction: 'Add a reaction',
  emoji: 'Emoji',
  react: 'React',
  removePreview: 'Remove this preview',
  removePreviewOf: 'Remove the preview of {title}',
  editMessage: 'Edit message',
  cancel: 'Cancel',
  editorHint: 'Enter saves · Shift+Enter new line · Esc cancels',
  confirmDeleteShort: 'Delete this message for everyone?',
  deleteMessage: 'Delete message',
}, {
  de: {
    inReplyToMessage: 'Antwort auf eine Nachricht', inReplyToDeleted: 'Antwort auf eine gelöschte Nachricht', inReplyTo: 'Antwort auf ',
    reply: 'Antworten', copyLink: 'Link kopieren', pin: 'Anheften', save: 'Merken', edited: ' (bearbeitet)',
    deleted: 'Diese Nachricht wurde gelöscht.', edit: 'Bearbeiten', delete: 'Löschen',
    confirmDelete: 'Diese Nachricht für alle löschen? Das lässt sich nicht rückgängig machen.',
    addReaction: 'Reaktion hinzufügen', emoji: 'Emoji', react: 'Reagieren', removePreview: 'Diese Vorschau entfernen',
    removePreviewOf: 'Die Vorschau von {title} entfernen', editMessage: 'Nachricht bearbeiten', cancel: 'Abbrechen',
    editorHint: 'Enter speichert · Umschalt+Enter neue Zeile · Esc bricht ab', confirmDeleteShort: 'Diese Nachricht für alle löschen?',
    deleteMessage: 'Nachricht löschen',
  },
  fr: {
    inReplyToMessage: 'En réponse à un message', inReplyToDeleted: 'En réponse à un message supprimé', inReplyTo: 'En réponse à ',
    reply: 'Répondre', copyLink: 'Copier le lien', pin: 'Épingler', save: 'Garder', edited: ' (modifié)',
    deleted: 'Ce message a été supprimé.', edit: 'Modifier', delete: 'Supprimer',
    confirmDelete: 'Supprimer ce message pour tout le monde ? C’est irréversible.',
    addReaction: 'Ajouter une réaction', emoji: 'Emoji', react: 'Réagir', removePreview: 'Retirer cet aperçu',
    removePreviewOf: 'Retirer l’aperçu de {title}', editMessage: 'Modifier le message', cancel: 'Annuler',
    editorHint: 'Entrée enregistre · Maj+Entrée nouvelle ligne · Échap annule', confirmDeleteShort: 'Supprimer ce message pour tout le monde ?',
    deleteMessage: 'Supprimer le message',
  },
  es: {
    inReplyToMessage: 'En respuesta a un mensaje', inReplyToDeleted: 'En respuesta a un mensaje eliminado', inReplyTo: 'En respuesta a ',
    reply: 'Responder', copyLink: 'Copiar enlace', pin: 'Fijar', save: 'Guardar', edited: ' (editado)',
    deleted: 'Este mensaje fue eliminado.', edit: 'Editar', delete: 'Eliminar',
    confirmDelete: '¿Eliminar este mensaje para todos? No se puede deshacer.',
    addReaction: 'Añadir una reacción', emoji: 'Emoji', react: 'Reaccionar', removePreview: 'Quitar esta vista previa',
    removePreviewOf: 'Quitar la vista previa de {title}', editMessage: 'Editar mensaje', cancel: 'Cancelar',
    editorHint: 'Intro guarda · Mayús+Intro nueva línea · Esc cancela', confirmDeleteShort: '¿Eliminar este mensaje para todos?',
    deleteMessage: 'Eliminar mensaje',
  },
  pt: {
    inReplyToMessage: 'Em resposta a uma mensagem', inReplyToDeleted: 'Em resposta a uma mensagem eliminada', inReplyTo: 'Em resposta a ',
    reply: 'Responder', copyLink: 'Copiar ligação', pin: 'Fixar', save: 'Guardar', edited: ' (editada)',
    deleted: 'Esta mensagem foi eliminada.', edit: 'Editar', delete: 'Eliminar',
    confirmDelete: 'Eliminar esta mensagem para todos? Não é possível anular.',
    addReaction: 'Adicionar uma reação', emoji: 'Emoji', react: 'Reagir', removePreview: 'Remover esta pré-visualização',
    removePreviewOf: 'Remover a pré-visualização de {title}', editMessage: 'Editar mensagem', cancel: 'Cancelar',
    editorHint: 'Enter guarda · Shift+Enter nova linha · Esc cancela', confirmDeleteShort: 'Eliminar esta mensagem para todos?',
    deleteMessage: 'Eliminar mensagem',
  },
})
