/**
 * Answers of host calls to engines that take them as text (JavaScript, Tengo): a status
 * digit, then JSON. 0: the value; 1: a script-level error; 2: work to await (with its id).
 * Each engine's side decodes them with its own conversion rules.
 */
import type { Json, SpellErrorData } from '../journal/types.ts';
import type { CallAnswer } from '../runtime/protocol.ts';

export const answerOk = (value: Json): string =>
  // A finite number's JSON is its text; a number is the commonest answer of a quick call.
  value === null ? '0' : typeof value === 'number' && Number.isFinite(value) ? `0${value}` : `0${JSON.stringify(value)}`;
export const answerError = (error: SpellErrorData): string => `1${JSON.stringify(error)}`;
export const answerLater = (id: number): string => `2${id}`;

/** Encodes a bridge call's answer; work to await goes to `later`, which returns its id. */
export function encodeAnswer(a: CallAnswer, later: (promise: Promise<CallAnswer>) => number): string {
  switch (a.status) {
    case 'ok':
      return answerOk(a.value);
    case 'error':
      return answerError(a.error);
    case 'async':
      return answerLater(later(a.promise));
  }
}
