/**
 * The Devin emulator's send-message body (`POST …/sessions/{id}/messages`, devin-api.md §1.8):
 * `SessionMessageCreateRequest` is `message: string` (required), `attachment_urls: string[] |
 * null` and `message_as_user_id: string | null`. Anything else is refused with FastAPI's 422, as
 * the real API would, so a client that sends a wrong shape fails here and not in production.
 */

import { type Body, notObject, objectBody, validation } from './devin-replies.ts'
import { checkAttachmentUrls } from './devin-uploads.ts'
import type { Reply } from './http.ts'

/** §1.8 `SessionMessage`, the wire shape `GET …/messages` pages. */
export interface SessionMessage {
  event_id: string
  created_at: number
  message: string
  source: string
}

/** A message as the emulator keeps it: the wire shape, and what the send carried besides. */
export interface StoredMessage extends SessionMessage {
  /** The send's `attachment_urls` (or the create's, on the prompt); absent when none were sent. */
  attachmentUrls?: string[]
  /** The send's `message_as_user_id`, when one was given. */
  asUserId?: string
}

/** What a valid send asks for. */
export interface MessageSend {
  message: string
  attachmentUrls?: string[]
  asUserId?: string
}

/** Only the documented fields: what `GET …/messages` answers, whatever was recorded beside them. */
export function wireMessage(m: StoredMessage): SessionMessage {
  const { event_id, created_at, message, source } = m
  return { event_id, created_at, message, source }
}

function checkAsUser(body: Body): Reply | undefined {
  const v = body.message_as_user_id
  if (v === undefined || v === null || typeof v === 'string') return undefined
  return validation(['body', 'message_as_user_id'], 'Input should be a valid string', 'string_type')
}

/** The send's fields, or the 422 FastAPI would answer. */
export function readMessageSend(json: unknown): MessageSend | Reply {
  const body = objectBody(json)
  if (body === undefined) return notObject()
  const message = body.message
  if (message === undefined) return validation(['body', 'message'], 'Field required', 'missing')
  if (typeof message !== 'string') {
    return validation(['body', 'message'], 'Input should be a valid string', 'string_type')
  }
  const bad = checkAttachmentUrls(body) ?? checkAsUser(body)
  if (bad) return bad
  const urls = body.attachment_urls as string[] | null | undefined
  const asUser = body.message_as_user_id as string | null | undefined
  return {
    message,
    ...(urls ? { attachmentUrls: [...urls] } : {}),
    ...(typeof asUser === 'string' ? { asUserId: asUser } : {})
  }
}

export function isReply(v: MessageSend | Reply): v is Reply {
  return 'status' in v
}
