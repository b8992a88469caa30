/**
 * Splits a JSON array (bare, or the `Records` array of a CloudTrail envelope) into the text of
 * its elements as chunks arrive, so a file of any size is parsed one record at a time. It also
 * salvages the complete records of a truncated file.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** Streaming splitter; feed it text with `push`, then call `end`. */
export class JsonArraySplitter {
  private state: 'seek' | 'between' | 'element' | 'done' = 'seek';
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Characters of `buffer` already scanned inside the current element. */
  private scanned = 0;

  /**
   * @param envelopeKey the key of the array inside an object (`Records` for trail files,
   *   `Events` for lookup-events output), or undefined for a bare array
   */
  constructor(private readonly envelopeKey?: string) {}

  /** Feeds text; returns the complete elements found so far. */
  push(chunk: string): string[] {
    this.buffer += chunk;
    const out: string[] = [];
    for (;;) {
      if (this.state === 'seek') {
        const at = this.envelopeKey
          ? this.seekEnvelope(this.envelopeKey)
          : this.buffer.indexOf('[');
        if (at < 0) return out;
        this.buffer = this.buffer.slice(at + 1);
        this.state = 'between';
      }
      if (this.state === 'between') {
        let i = 0;
        const b = this.buffer;
        while (i < b.length) {
          const c = b.charCodeAt(i);
          if (c === CLOSE_BRACKET) {
            this.state = 'done';
            this.buffer = '';
            return out;
          }
          if (c === 44 || c === 32 || c === 10 || c === 13 || c === 9) i++;
          else break;
        }
        this.buffer = b.slice(i);
        if (this.buffer.length === 0) return out;
        this.state = 'element';
        this.depth = 0;
        this.inString = false;
        this.escape = false;
        this.scanned = 0;
      }
      if (this.state === 'element') {
        const end = this.scanElement();
        if (end < 0) return out;
        out.push(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end);
        this.state = 'between';
      }
      if (this.state === 'done') return out;
    }
  }

  /**
   * Ends the input.
   * @returns `complete` when the array closed, `truncated` when the text stopped inside it,
   *   `no-array` when no array was found
   */
  end(): 'complete' | 'truncated' | 'no-array' {
    if (this.state === 'done') return 'complete';
    if (this.state === 'seek') return 'no-array';
    return 'truncated';
  }

  private seekEnvelope(name: string): number {
    const key = this.buffer.indexOf(`"${name}"`);
    if (key < 0) {
      // Keep a tail long enough to match the key across chunk boundaries.
      if (this.buffer.length > name.length + 2) this.buffer = this.buffer.slice(-(name.length + 2));
      return -1;
    }
    return this.buffer.indexOf('[', key);
  }

  /** Scans the current element; returns the index just past it, or -1 when incomplete. */
  private scanElement(): number {
    const b = this.buffer;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escape;
    for (let i = this.scanned; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
        // A closing bracket at depth 0 ends the array right after a scalar element.
        if (depth < 0) return i;
      } else if (depth === 0 && c === 44) {
        return i; // a scalar element ends at the comma
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escaped;
    this.scanned = b.length;
    return -1;
  }
}
