/**
 * Host ↔ isolate values travel as JSON text: the isolate side (prelude) encodes with the
 * bridge rules and decodes with null-in-objects dropped. Answers carry a status prefix.
 */
import type { Json, SpellErrorData } from '../../journal/types.ts';

export const answerOk = (value: Json): string => (value === null ? '0' : `0${JSON.stringify(value)}`);
export const answerError = (error: SpellErrorData): string => `1${JSON.stringify(error)}`;
export const answerLater = (id: number): string => `2${id}`;
