/**
 * For tests of the edges themselves (the Devin client, the sticky comment): values marked as if
 * they had passed the egress gate. Tests of the gate use the real functions in src/egress/.
 */
import type { CommentBody } from '../../src/egress/comment.ts'
import type { ForDevin } from '../../src/egress/devin.ts'

export const forDevin = <T>(value: T): ForDevin<T> => value as ForDevin<T>
export const commentText = (markdown: string): CommentBody => markdown as CommentBody
