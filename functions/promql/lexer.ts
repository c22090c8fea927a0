/**
 * PromQL tokens, following Prometheus' lexer (promql/parser/lex.go) state for state: inside `{...}` only label
 * names, strings and matcher operators; inside `[...]` durations and the subquery colon; elsewhere numbers,
 * identifiers (with colons), operators and keywords. One pass over char codes, no regexes on the input.
 */
import { PromqlError } from './errors';

export type TokenKind =
  | 'number'
  | 'duration'
  | 'string'
  | 'identifier'
  | 'op'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | ','
  | ':'
  | '@'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (for strings: as written, quotes included). */
  text: string;
  /** The unquoted value of a string token. */
  value?: string;
  start: number;
  end: number;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

function isDigit(ch: string): boolean {
  return ch >= '0' && ch <= '9';
}

function isAlpha(ch: string): boolean {
  return ch === '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

function isAlphaNumeric(ch: string): boolean {
  return isAlpha(ch) || isDigit(ch);
}

function isHexDigit(ch: string): boolean {
  return isDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/** Turns a whole expression into tokens (the last one `eof`); throws PromqlError on a lexical error. */
export function tokenize(source: string): Token[] {
  return new Lexer(source).run();
}

class Lexer {
  private pos = 0;
  private readonly tokens: Token[] = [];
  private parenDepth = 0;
  private braceOpen = false;
  private bracketOpen = false;
  private gotColon = false;

  constructor(private readonly source: string) {}

  run(): Token[] {
    for (;;) {
      if (this.braceOpen ? this.insideBraces() : this.statement()) break;
    }
    return this.tokens;
  }

  private at(offset = 0): string {
    return this.source.charAt(this.pos + offset);
  }

  private fail(position: number, reason: string): never {
    throw new PromqlError(position, reason);
  }

  private emit(kind: TokenKind, start: number, value?: string): void {
    const token: Token = { kind, text: this.source.slice(start, this.pos), start, end: this.pos };
    if (value !== undefined) token.value = value;
    this.tokens.push(token);
  }

  private skipComment(): void {
    while (this.pos < this.source.length && this.at() !== '\n' && this.at() !== '\r') this.pos++;
  }

  /** One step outside braces; true at the end of input. */
  private statement(): boolean {
    const start = this.pos;
    if (this.pos >= this.source.length) {
      if (this.parenDepth !== 0) this.fail(start, 'unclosed left parenthesis');
      if (this.bracketOpen) this.fail(start, 'unclosed left bracket');
      this.emit('eof', start);
      return true;
    }
    const ch = this.at();
    if (ch === '#') {
      this.skipComment();
      return false;
    }
    if (isSpace(ch)) {
      this.pos++;
      return false;
    }
    this.pos++;
    switch (ch) {
      case ',':
        this.emit(',', start);
        return false;
      case '*':
      case '/':
      case '%':
      case '+':
      case '-':
      case '^':
        this.emit('op', start);
        return false;
      case '=':
        if (this.at() === '=') this.pos++;
        else if (this.at() === '~') this.fail(start, `unexpected character after '=': '~'`);
        this.emit('op', start);
        return false;
      case '!':
        if (this.at() !== '=')
          this.fail(start, `unexpected character after '!': ${JSON.stringify(this.at())}`);
        this.pos++;
        this.emit('op', start);
        return false;
      case '<':
      case '>':
        if (this.at() === '=') this.pos++;
        this.emit('op', start);
        return false;
      case '(':
        this.parenDepth++;
        this.emit('(', start);
        return false;
      case ')':
        this.parenDepth--;
        if (this.parenDepth < 0) this.fail(start, 'unexpected right parenthesis ")"');
        this.emit(')', start);
        return false;
      case '{':
        this.braceOpen = true;
        this.emit('{', start);
        return false;
      case '[':
        if (this.bracketOpen) this.fail(start, 'unexpected left bracket "["');
        this.gotColon = false;
        this.emit('[', start);
        while (isSpace(this.at())) this.pos++;
        this.bracketOpen = true;
        this.duration();
        return false;
      case ']':
        if (!this.bracketOpen) this.fail(start, 'unexpected right bracket "]"');
        this.bracketOpen = false;
        this.emit(']', start);
        return false;
      case '@':
        this.emit('@', start);
        return false;
      case '"':
      case "'":
        this.string(ch, start);
        return false;
      case '`':
        this.rawString(start);
        return false;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(this.at()))) {
      this.pos = start;
      this.numberOrDuration();
      return false;
    }
    if (isAlpha(ch) || ch === ':') {
      if (this.bracketOpen) {
        if (ch !== ':' || this.gotColon) this.fail(start, `unexpected ${JSON.stringify(ch)} inside brackets`);
        this.gotColon = true;
        this.emit(':', start);
        return false;
      }
      while (isAlphaNumeric(this.at()) || this.at() === ':') this.pos++;
      this.emit('identifier', start);
      return false;
    }
    this.fail(
      start,
      `unexpected character: ${JSON.stringify(String.fromCodePoint(this.source.codePointAt(start)!))}`,
    );
  }

  /** One step inside `{...}`; never the end of input (that is an error there). */
  private insideBraces(): boolean {
    const start = this.pos;
    if (this.pos >= this.source.length) this.fail(start, 'unexpected end of input inside braces');
    const ch = this.at();
    if (ch === '#') {
      this.skipComment();
      return false;
    }
    this.pos++;
    if (isSpace(ch)) return false;
    if (isAlpha(ch)) {
      while (isAlphaNumeric(this.at())) this.pos++;
      this.emit('identifier', start);
      return false;
    }
    switch (ch) {
      case ',':
        this.emit(',', start);
        return false;
      case '"':
      case "'":
        this.string(ch, start);
        return false;
      case '`':
        this.rawString(start);
        return false;
      case '=':
        if (this.at() === '~') this.pos++;
        this.emit('op', start);
        return false;
      case '!':
        if (this.at() !== '~' && this.at() !== '=') {
          this.fail(start, `unexpected character after '!' inside braces: ${JSON.stringify(this.at())}`);
        }
        this.pos++;
        this.emit('op', start);
        return false;
      case '{':
        this.fail(start, 'unexpected left brace "{"');
        break;
      case '}':
        this.braceOpen = false;
        this.emit('}', start);
        return false;
    }
    this.fail(start, `unexpected character inside braces: ${JSON.stringify(ch)}`);
  }

  private acceptRun(accept: (ch: string) => boolean): void {
    while (this.pos < this.source.length && accept(this.at())) this.pos++;
  }

  /** Prometheus 2.x scanNumber: digits (hex after 0x), an optional fraction and exponent, then no letter. */
  private scanNumber(): boolean {
    let digits = isDigit;
    if (this.at() === '0' && (this.at(1) === 'x' || this.at(1) === 'X')) {
      this.pos += 2;
      digits = isHexDigit;
    } else if (this.at() === '0') {
      this.pos++;
    }
    this.acceptRun(digits);
    if (this.at() === '.') {
      this.pos++;
      this.acceptRun(digits);
    }
    if (this.at() === 'e' || this.at() === 'E') {
      this.pos++;
      if (this.at() === '+' || this.at() === '-') this.pos++;
      this.acceptRun(isDigit);
    }
    return !isAlphaNumeric(this.at());
  }

  /** The unit part of a duration after its first number: `m`, `ms`, `h30m`... then no letter or digit. */
  private acceptRemainingDuration(): boolean {
    if (!'smhdwy'.includes(this.at()) || this.at() === '') return false;
    this.pos++;
    if (this.at() === 's') this.pos++;
    while (isDigit(this.at())) {
      this.acceptRun(isDigit);
      if (!'smhdw'.includes(this.at()) || this.at() === '') return false;
      this.pos++;
      if (this.at() === 's') this.pos++;
    }
    return !isAlphaNumeric(this.at());
  }

  private numberOrDuration(): void {
    const start = this.pos;
    if (this.scanNumber()) {
      this.emit('number', start);
      return;
    }
    if (this.acceptRemainingDuration()) {
      this.emit('duration', start);
      return;
    }
    this.pos++;
    this.fail(start, `bad number or duration syntax: ${JSON.stringify(this.source.slice(start, this.pos))}`);
  }

  /** Right after `[`: a duration with its unit. */
  private duration(): void {
    const start = this.pos;
    if (this.scanNumber()) this.fail(start, 'missing unit character in duration');
    if (!this.acceptRemainingDuration()) {
      this.fail(start, `bad duration syntax: ${JSON.stringify(this.source.slice(start, this.pos + 1))}`);
    }
    this.emit('duration', start);
  }

  private string(quote: string, start: number): void {
    let value = '';
    const { source } = this;
    for (;;) {
      if (this.pos >= source.length || source[this.pos] === '\n') {
        this.fail(start, 'unterminated quoted string');
      }
      const ch = source[this.pos]!;
      if (ch === quote) {
        this.pos++;
        this.emit('string', start, value);
        return;
      }
      if (ch === '\\') {
        value += this.escape(quote);
        continue;
      }
      value += this.character();
    }
  }

  /** One code point, rejecting lone surrogates (Prometheus rejects the invalid UTF-8 they stand for). */
  private character(): string {
    const code = this.source.codePointAt(this.pos)!;
    if (code >= 0xd800 && code <= 0xdfff) this.fail(this.pos, 'invalid UTF-8 rune');
    const char = String.fromCodePoint(code);
    this.pos += char.length;
    return char;
  }

  private rawString(start: number): void {
    let value = '';
    for (;;) {
      if (this.pos >= this.source.length) this.fail(start, 'unterminated raw string');
      if (this.at() === '`') {
        this.pos++;
        this.emit('string', start, value);
        return;
      }
      value += this.character();
    }
  }

  /** Go escapes as Prometheus' lexEscape accepts them; `pos` is at the backslash. */
  private escape(quote: string): string {
    const at = this.pos;
    const ch = this.at(1);
    if (ch === '') this.fail(at, 'escape sequence not terminated');
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (ch === quote) {
      this.pos += 2;
      return quote;
    }
    let digits: number;
    let base: number;
    let max: number;
    let skip: number;
    if (ch >= '0' && ch <= '7') {
      [digits, base, max, skip] = [3, 8, 255, 1];
    } else if (ch === 'x') {
      [digits, base, max, skip] = [2, 16, 255, 2];
    } else if (ch === 'u') {
      [digits, base, max, skip] = [4, 16, 0x10ffff, 2];
    } else if (ch === 'U') {
      [digits, base, max, skip] = [8, 16, 0x10ffff, 2];
    } else {
      this.fail(at, `unknown escape sequence \\${ch}`);
    }
    let code = 0;
    for (let i = 0; i < digits; i++) {
      const digit = this.source.charAt(at + skip + i);
      const value = Number.parseInt(digit, 16);
      if (digit === '') this.fail(at, 'escape sequence not terminated');
      if (Number.isNaN(value) || value >= base) {
        this.fail(at, `illegal character ${JSON.stringify(digit)} in escape sequence`);
      }
      code = code * base + value;
    }
    if (code > max || (code >= 0xd800 && code < 0xe000)) {
      this.fail(at, 'escape sequence is an invalid Unicode code point');
    }
    this.pos = at + skip + digits;
    // \x and octal escapes are bytes in Go; a byte above 0x7f alone is not valid UTF-8 in a label value.
    return String.fromCodePoint(code);
  }
}
