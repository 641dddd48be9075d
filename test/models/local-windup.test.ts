/** When the local model's JSON replies wind up: fed tokens by hand, no model needed. */
import { describe, expect, it } from 'vitest';
import { WindUp, repetitionPeriods, windUpPoint } from '../../src/models/local-windup.ts';

/**
 * Feeds text one character a token (the character code as the token); each mark says whether
 * the token after that character is pushed to close (`^`) or not (`.`).
 */
function follow(text: string, at = 1000, structured = true): string {
  const windUp = new WindUp(at);
  let marks = '';
  for (const ch of text) {
    windUp.feed([ch.codePointAt(0)!], ch, structured);
    marks += windUp.active ? '^' : '.';
  }
  return marks;
}

describe('local model wind-up', () => {
  it('winds up for good at a point that leaves room to close within the token limit', () => {
    expect(windUpPoint(undefined)).toBe(256);
    expect(windUpPoint(120)).toBe(80);
    expect(windUpPoint(300)).toBe(252);
    expect(windUpPoint(1)).toBe(1);
    expect(follow('{"a":"bcdefgh"}', 5)).toBe('....^^^^^^^^^^^');
  });

  it('finds a run of 3 to 32 tokens written twice over', () => {
    expect(repetitionPeriods([1, 2, 3, 4, 5, 6])).toEqual([]);
    expect(repetitionPeriods([9, 4, 5, 6, 4, 5, 6])).toEqual([3]);
    expect(repetitionPeriods([7, 7, 7, 7, 7])).toEqual([]); // too short a run: digits, "!!"
    expect(repetitionPeriods([7, 7, 7, 7, 7, 7, 7, 7])).toEqual([3, 4]);
    const run = Array.from({ length: 32 }, (_, i) => i);
    expect(repetitionPeriods([...run, ...run])).toEqual([32]);
    expect(repetitionPeriods([99, ...run.slice(1), ...run])).toEqual([]);
  });

  it('closes a string that repeats itself, then writes freely again', () => {
    const text = '{"h":"riv_riv_riv_","n":"x"}';
    const marks = follow(text);
    const quote = text.indexOf('","n"');
    // On once "riv_" is written twice, for every token up to the closing quote; off after it.
    expect(marks.slice(text.indexOf('riv_riv_') + 7, quote)).toMatch(/^\^+$/);
    expect(marks.slice(quote)).toMatch(/^\.+$/);
  });

  it('closes an array whose items repeat, not just the item it is in', () => {
    const text = '{"h":["Lakes","Lakes","Lakes"],"n":"x"}';
    const marks = follow(text);
    const on = marks.indexOf('^');
    expect(on).toBeGreaterThan(text.indexOf('"Lakes","Lakes"'));
    // Still on past the end of the item's string, up to the array's end; off after it.
    expect(marks.slice(on, text.indexOf(']'))).toMatch(/^\^+$/);
    expect(marks.slice(text.indexOf(']'))).toMatch(/^\.+$/);
  });

  it('closes an array of items that each repeat a word: first each string, then the array', () => {
    const item = '"ab_ab_ab_ab_"';
    const text = `{"h":["x",${item},${item},${item}],"n":"y"}`;
    const marks = follow(text);
    // The first item's string is closed for it, and then the array, once the items repeat.
    expect(marks[text.indexOf(item) + 12]).toBe('^');
    const end = text.indexOf(']');
    expect(marks.slice(text.indexOf(`${item},${item}`) + 2 * item.length, end)).toMatch(/^\^+$/);
    expect(marks.slice(end)).toMatch(/^\.+$/);
  });

  it('leaves free text alone', () => {
    expect(follow('riv_riv_riv_riv_', 4, false)).toBe('.'.repeat(16));
  });
});
