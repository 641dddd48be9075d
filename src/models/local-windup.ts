/**
 * When a grammar-constrained reply (JSON, a tool call) of the local model should wind up,
 * that is close what is open as soon as its grammar lets it. A grammar guarantees the shape,
 * not an end: greedy decoding of a 135M model repeats an array item or a word until the
 * token limit, leaving JSON that does not parse. Pure: fed tokens and their text.
 */

/**
 * After how many tokens a reply winds up for good: with a token limit, early enough to close
 * within it (a third of it, at most 48 tokens, left to close); without one, after 256 tokens,
 * more than this model writes into one object before it starts repeating itself.
 */
export function windUpPoint(maxOutputTokens: number | undefined): number {
  if (maxOutputTokens === undefined) return 256;
  return Math.max(1, maxOutputTokens - Math.min(48, Math.ceil(maxOutputTokens / 3)));
}

/** The lengths of the runs of 3 to 32 tokens that the tokens end with twice over, shortest first. */
export function repetitionPeriods(tokens: readonly number[]): number[] {
  const n = tokens.length;
  const periods: number[] = [];
  for (let period = 3; period <= 32 && 2 * period <= n; period++) {
    let same = true;
    for (let i = 1; i <= period && same; i++) same = tokens[n - i] === tokens[n - i - period];
    if (same) periods.push(period);
  }
  return periods;
}

/**
 * Follows one reply token by token and says whether to push it to close. For good past the
 * wind-up point. When it starts repeating itself: a run inside a string (`river_river_`)
 * until that string is closed; a run of items (`"Lakes", "Lakes", `) until the array or
 * object holding them is closed; then it writes freely again.
 */
export class WindUp {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private generated = 0;
  private budgetSpent = false;
  /** Tokens since the last run was closed, and the text of each. */
  private since: number[] = [];
  private sinceText: string[] = [];
  private until: { depth: number } | 'string-closed' | undefined;
  private readonly at: number;

  constructor(at: number) {
    this.at = at;
  }

  get active(): boolean {
    return this.budgetSpent || this.until !== undefined;
  }

  /** The tokens just written and their text; `structured`: whether they are JSON (or a call) under a grammar. */
  feed(tokens: readonly number[], text: string, structured: boolean): void {
    this.generated += tokens.length;
    for (const ch of text) this.scan(ch);
    if (!structured || this.budgetSpent) return;
    if (this.generated >= this.at) {
      this.budgetSpent = true;
      return;
    }
    this.since.push(...tokens);
    this.sinceText.push(...tokens.map((_, i) => (i === 0 ? text : '')));
    if (this.until === 'string-closed') {
      if (this.inString) return;
      // Closed; the string may be one of items that repeat (a longer run): look again, tokens kept.
      this.until = undefined;
    } else if (this.until !== undefined) {
      if (this.depth < this.until.depth) [this.until, this.since, this.sinceText] = [undefined, [], []];
      return;
    }
    const runs = repetitionPeriods(this.since).map((period) => this.sinceText.slice(-period).join(''));
    if (!runs.length) return;
    // Text that repeats within a string stops with the string; repeated items with their container.
    this.until = this.inString && !runs.some((run) => run.includes('"')) ? 'string-closed' : { depth: this.depth };
  }

  private scan(ch: string): void {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (ch === '\\') this.escaped = true;
      else if (ch === '"') this.inString = false;
    } else if (ch === '"') this.inString = true;
    else if (ch === '{' || ch === '[') this.depth++;
    else if (ch === '}' || ch === ']') this.depth--;
  }
}
