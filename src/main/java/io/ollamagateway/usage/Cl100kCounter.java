package io.ollamagateway.usage;

import java.util.Arrays;

/**
 * Counts the cl100k_base tokens of a text, the same counts as jtokkit 1.1.0's {@code countTokensOrdinary}
 * (which {@code Cl100kCounterTest} checks), over a {@link Cl100kVocabulary}.
 *
 * <p>Two steps, as in tiktoken. The text is split into pieces by the cl100k pattern
 * <pre>'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</pre>
 * read by hand with jtokkit's character classes (its {@code Cl100kParser}, which is not public): a letter is a
 * code point of type Lu, Ll, Lt, Lm or Lo, a number one of Nd, Nl or No, white space is {@code [\t\n\x0B\f\r ]},
 * U+0085, U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F and U+3000. Each piece's UTF-8
 * bytes (a lone surrogate as the three bytes of its value, as jtokkit writes it) are one token if they are one;
 * otherwise they are byte-pair merged: while some two adjacent parts make a token, the two that make the
 * lowest-ranked one, leftmost first, become one part. The piece counts as many tokens as it has parts left.
 *
 * <p>Thread-safe. A text whose pieces are at most {@value #SCAN_BYTES} bytes long (nearly every text) is counted
 * without allocating: the buffers are kept per calling thread. A longer piece is merged through a heap, in time
 * n log n and with about 36 bytes of arrays per byte, so that a long run of letters or spaces (a hostile
 * prompt) costs in proportion to its length.
 */
final class Cl100kCounter {

  /** A thread keeps a UTF-8 buffer up to this size between calls; a longer piece's buffer is dropped. */
  private static final int KEPT_BYTES = 4096;
  /** Pieces up to this many bytes merge by scanning for the lowest rank; longer ones through a heap. */
  private static final int SCAN_BYTES = 64;
  private static final int[] OTHER_SPACES =
      "\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000"
          .codePoints().sorted().toArray();

  private final Cl100kVocabulary vocabulary;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  Cl100kCounter(Cl100kVocabulary vocabulary) {
    this.vocabulary = vocabulary;
  }

  int count(String text) {
    Scratch s = scratch.get();
    int tokens = 0;
    int length = text.length();
    int start = 0;
    while (start < length) {
      int c0 = text.codePointAt(start);
      int after0 = start + Character.charCount(c0);
      int c1 = after0 < length ? text.codePointAt(after0) : -1;
      int end;
      if (c0 == '\'' && isShortContraction(c1)) {
        end = start + 2;
      } else if (c0 == '\'' && start + 2 < length && isLongContraction(c1, text.codePointAt(start + 2))) {
        end = start + 3;
      } else if (isLetter(c0) || (isNotNewlineLetterOrNumber(c0) && isLetter(c1))) {
        end = after0;
        while (end < length && isLetter(c1 = text.codePointAt(end))) {
          end += Character.charCount(c1);
        }
      } else if (isNumber(c0)) {
        end = after0;
        for (int digits = 1; digits < 3 && end < length && isNumber(c1 = text.codePointAt(end)); digits++) {
          end += Character.charCount(c1);
        }
      } else if (isOther(c0) || (c0 == ' ' && isOther(c1))) {
        end = after0;
        while (end < length && isOther(c1 = text.codePointAt(end))) {
          end += Character.charCount(c1);
        }
        while (end < length && isNewline(text.charAt(end))) {
          end++;
        }
      } else {
        // White space (\s*[\r\n]+ first, up to the run's last newline; then \s+(?!\S), which leaves the run's
        // last space to the letters, digits or punctuation that follow it; or \s+).
        int lastNewline = isNewline(c0) ? start : -1;
        end = after0;
        while (end < length && isWhitespace(c1 = text.codePointAt(end))) {
          if (isNewline(c1)) {
            lastNewline = end;
          }
          end += Character.charCount(c1);
        }
        boolean beforeNonSpace = end > after0 && end < length;
        if (lastNewline >= 0 && lastNewline + 1 < end) {
          tokens += countPiece(text, start, lastNewline + 1, s);
          start = lastNewline + 1;
        }
        if (beforeNonSpace && lastNewline + 1 < end) {
          end--;
        }
      }
      if (start < end) {
        tokens += countPiece(text, start, end, s);
      }
      start = end;
    }
    s.release();
    return tokens;
  }

  private int countPiece(String text, int from, int to, Scratch s) {
    byte[] b = s.utf8(text, from, to);
    int n = s.length;
    if (n == 1 || vocabulary.rank(b, 0, n) != Cl100kVocabulary.NONE) {
      return 1;
    }
    return n <= SCAN_BYTES ? mergeByScan(b, n, s.starts, s.ranks) : mergeByHeap(b, n);
  }

  /**
   * tiktoken's merge: {@code starts} holds where each part begins (and n after the last), {@code ranks[i]} the
   * rank of parts i and i + 1 together.
   */
  private int mergeByScan(byte[] b, int n, int[] starts, int[] ranks) {
    for (int i = 0; i <= n; i++) {
      starts[i] = i;
    }
    for (int i = 0; i < n - 1; i++) {
      ranks[i] = vocabulary.rank(b, i, i + 2);
    }
    int parts = n;
    while (true) {
      int best = -1;
      int min = Cl100kVocabulary.NONE;
      for (int i = 0; i < parts - 1; i++) {
        if (ranks[i] < min) {
          min = ranks[i];
          best = i;
        }
      }
      if (best < 0) {
        return parts;
      }
      System.arraycopy(starts, best + 2, starts, best + 1, parts - best - 1);
      System.arraycopy(ranks, best + 2, ranks, best + 1, Math.max(0, parts - best - 3));
      parts--;
      ranks[best] = best + 2 <= parts ? vocabulary.rank(b, starts[best], starts[best + 2]) : Cl100kVocabulary.NONE;
      if (best > 0) {
        ranks[best - 1] = vocabulary.rank(b, starts[best - 1], starts[best + 1]);
      }
    }
  }

  /**
   * The same merges, in the same order: a min-heap of (rank, start) pairs gives the lowest rank, leftmost
   * first; parts are a linked list by start; an entry whose rank no longer is its part's is stale and skipped
   * (a part's pair only grows, so it never takes the same rank twice).
   */
  private int mergeByHeap(byte[] b, int n) {
    int[] next = new int[n];
    int[] previous = new int[n];
    int[] ranks = new int[n];
    long[] heap = new long[3 * n];
    int size = 0;
    for (int i = 0; i < n; i++) {
      next[i] = i + 1;
      previous[i] = i - 1;
      ranks[i] = i + 2 <= n ? vocabulary.rank(b, i, i + 2) : Cl100kVocabulary.NONE;
      if (ranks[i] != Cl100kVocabulary.NONE) {
        size = push(heap, size, ranks[i], i);
      }
    }
    int parts = n;
    while (size > 0) {
      long top = heap[0];
      size = pop(heap, size);
      int rank = (int) (top >>> 32);
      int i = (int) top;
      if (ranks[i] != rank) {
        continue;
      }
      int merged = next[i];
      int after = next[merged];
      ranks[merged] = -1;
      next[i] = after;
      if (after < n) {
        previous[after] = i;
        ranks[i] = vocabulary.rank(b, i, next[after]);
        if (ranks[i] != Cl100kVocabulary.NONE) {
          size = push(heap, size, ranks[i], i);
        }
      } else {
        ranks[i] = Cl100kVocabulary.NONE;
      }
      int p = previous[i];
      if (p >= 0) {
        ranks[p] = vocabulary.rank(b, p, after);
        if (ranks[p] != Cl100kVocabulary.NONE) {
          size = push(heap, size, ranks[p], p);
        }
      }
      parts--;
    }
    return parts;
  }

  private static int push(long[] heap, int size, int rank, int start) {
    long entry = (long) rank << 32 | start;
    int i = size;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= entry) {
        break;
      }
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
    return size + 1;
  }

  private static int pop(long[] heap, int size) {
    long last = heap[--size];
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && heap[child + 1] < heap[child]) {
        child++;
      }
      if (last <= heap[child]) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return size;
  }

  // jtokkit's character classes, with the same shortcuts for ASCII and the same upper bounds: code points past
  // them are never letters or numbers, whatever the running JDK's Unicode tables say.

  private static boolean isShortContraction(int c) {
    return c == 's' || c == 'd' || c == 't' || c == 'm' || c == 'S' || c == 'D' || c == 'T' || c == 'M'
        || c == '\u017F';
  }

  private static boolean isLongContraction(int c1, int c2) {
    if ((c1 == 'l' && c2 == 'l') || (c1 == 'v' && c2 == 'e') || (c1 == 'r' && c2 == 'e')) {
      return true;
    }
    int u1 = Character.toUpperCase(c1);
    int u2 = Character.toUpperCase(c2);
    return (u1 == 'L' && u2 == 'L') || (u1 == 'V' && u2 == 'E') || (u1 == 'R' && u2 == 'E');
  }

  private static boolean isLetter(int c) {
    if (c < 170) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    return c <= 0x323AF && isLetterType(Character.getType(c));
  }

  private static boolean isNumber(int c) {
    if (c < 178) {
      return c >= '0' && c <= '9';
    }
    return c <= 0x1FBF9 && isNumberType(Character.getType(c));
  }

  private static boolean isLetterOrNumber(int c) {
    if (c < 170) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
    if (c > 0x323AF) {
      return false;
    }
    int type = Character.getType(c);
    return isLetterType(type) || isNumberType(type);
  }

  private static boolean isLetterType(int type) {
    return type >= Character.UPPERCASE_LETTER && type <= Character.OTHER_LETTER;
  }

  private static boolean isNumberType(int type) {
    return type >= Character.DECIMAL_DIGIT_NUMBER && type <= Character.OTHER_NUMBER;
  }

  private static boolean isWhitespace(int c) {
    if (c <= '\r') {
      return c >= '\t';
    }
    if (c < 0x85) {
      return c == ' ';
    }
    return c == 0x85 || c == 0xA0 || (c >= 0x1680 && c <= 0x3000 && Arrays.binarySearch(OTHER_SPACES, c) >= 0);
  }

  private static boolean isNewline(int c) {
    return c == '\n' || c == '\r';
  }

  /** [^\s\p{L}\p{N}]: punctuation, symbols, controls, marks, surrogates. */
  private static boolean isOther(int c) {
    if (c < '0') {
      return c >= 0 && c != ' ' && (c < '\t' || c > '\r');
    }
    return !isLetterOrNumber(c) && !isWhitespace(c);
  }

  /** [^\r\n\p{L}\p{N}]. */
  private static boolean isNotNewlineLetterOrNumber(int c) {
    if (c < '0') {
      return c >= 0 && !isNewline(c);
    }
    return !isLetterOrNumber(c);
  }

  /** Per-thread buffers, so that counting a usual text allocates nothing. */
  private static final class Scratch {
    byte[] bytes = new byte[256];
    int length;
    final int[] starts = new int[SCAN_BYTES + 1];
    final int[] ranks = new int[SCAN_BYTES];

    /** The UTF-8 bytes of {@code text[from .. to)}, written as jtokkit writes them, in {@code bytes[0 .. length)}. */
    byte[] utf8(String text, int from, int to) {
      int need = (to - from) * 3;
      if (bytes.length < need) {
        bytes = new byte[Math.max(need, bytes.length * 2)];
      }
      byte[] b = bytes;
      int n = 0;
      for (int i = from; i < to; ) {
        int c = text.codePointAt(i);
        if (c < 0x80) {
          b[n++] = (byte) c;
          i++;
        } else if (c < 0x800) {
          b[n++] = (byte) (0xC0 | c >> 6);
          b[n++] = (byte) (0x80 | c & 0x3F);
          i++;
        } else if (c < 0x10000) {
          // Lone surrogates too, as the three bytes of their value, as jtokkit writes them.
          b[n++] = (byte) (0xE0 | c >> 12);
          b[n++] = (byte) (0x80 | c >> 6 & 0x3F);
          b[n++] = (byte) (0x80 | c & 0x3F);
          i++;
        } else {
          b[n++] = (byte) (0xF0 | c >> 18);
          b[n++] = (byte) (0x80 | c >> 12 & 0x3F);
          b[n++] = (byte) (0x80 | c >> 6 & 0x3F);
          b[n++] = (byte) (0x80 | c & 0x3F);
          i += 2;
        }
      }
      length = n;
      return b;
    }

    void release() {
      if (bytes.length > KEPT_BYTES) {
        bytes = new byte[256];
      }
    }
  }
}
