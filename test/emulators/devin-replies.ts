/** The Devin API's error shapes (devin-api.md §1.14), shared by the emulator's route modules. */

import type { Reply } from './http.ts'

export type Body = Record<string, unknown>

/** RFC 9457 problem+json, as the v3 API answers every error but a validation one. */
export function problem(status: number, title: string, detail: string, instance: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    json: { type: 'about:blank', title, status, detail, instance }
  }
}

/** FastAPI's 422. */
export function validation(loc: Array<string | number>, msg: string, type: string): Reply {
  return { status: 422, json: { detail: [{ loc, msg, type }] } }
}

export const notObject = (): Reply =>
  validation(['body'], 'Input should be a valid dictionary or object', 'model_attributes_type')

/** The JSON body when it is an object; anything else is not a body the API takes. */
export function objectBody(json: unknown): Body | undefined {
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Body)
    : undefined
}
