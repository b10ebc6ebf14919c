package io.ollamagateway.usage;

import com.knuddels.jtokkit.Encodings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The cl100k_base vocabulary, byte strings to ranks, packed into three arrays (about 2 MB of heap) instead of
 * jtokkit's maps of boxed entries (about 15 MB, with a rank-to-bytes decoder the gateway never uses). Its data
 * is jtokkit's own {@code cl100k_base.tiktoken} resource, one token a line: its bytes in base64, a space, its
 * rank.
 *
 * <p>Immutable once {@link #load}ed: {@link #rank} may be called from any thread.
 */
final class Cl100kVocabulary {

  /** What {@link #rank} returns for bytes that are no token; above every rank, so a minimum ignores it. */
  static final int NONE = Integer.MAX_VALUE;

  static final String RESOURCE = "/com/knuddels/jtokkit/cl100k_base.tiktoken";

  private static final int EMPTY = -1;
  private static final byte[] BASE64 = base64Values();

  /** Every token's bytes, in rank order: token r is {@code bytes[offsets[r] .. offsets[r + 1])}. */
  private final byte[] bytes;
  private final int[] offsets;
  /** Open addressing with linear probing, from a hash of a token's bytes to its rank; {@code EMPTY} if free. */
  private final int[] index;
  private final int mask;
  private final int longest;

  private Cl100kVocabulary(byte[] bytes, int[] offsets) {
    this.bytes = bytes;
    this.offsets = offsets;
    int tokens = offsets.length - 1;
    // Under half full, so that a lookup of bytes that are no token (half of those made while merging) stops
    // after a probe or two.
    int capacity = Integer.highestOneBit(tokens * 2 - 1) << 1;
    this.index = new int[capacity];
    this.mask = capacity - 1;
    Arrays.fill(index, EMPTY);
    int longest = 0;
    for (int rank = 0; rank < tokens; rank++) {
      int from = offsets[rank];
      int to = offsets[rank + 1];
      longest = Math.max(longest, to - from);
      int slot = hash(bytes, from, to) & mask;
      while (index[slot] != EMPTY) {
        slot = (slot + 1) & mask;
      }
      index[slot] = rank;
    }
    this.longest = longest;
  }

  /** Reads jtokkit's resource; blocking, a few hundred milliseconds: never on an event loop. */
  static Cl100kVocabulary load() throws IOException {
    try (InputStream raw = Encodings.class.getResourceAsStream(RESOURCE)) {
      if (raw == null) {
        throw new IOException("jtokkit's " + RESOURCE + " is not on the class path");
      }
      return parse(new BufferedInputStream(raw, 1 << 16));
    }
  }

  /**
   * Decodes the lines straight into the packed arrays, without a String or an array per line: what is built
   * besides the tables is garbage the heap would have to grow for.
   */
  private static Cl100kVocabulary parse(InputStream in) throws IOException {
    byte[] bytes = new byte[700_000];
    int[] offsets = new int[100_300];
    int size = 0;
    int tokens = 0;
    int line = 1;
    int c = in.read();
    while (c != -1) {
      if (c == '\n') {
        c = in.read();
        line++;
        continue;
      }
      int bits = 0;
      int buffer = 0;
      for (; c != ' '; c = in.read()) {
        if (c == '=') {
          continue;
        }
        int value = c >= 0 && c < 128 ? BASE64[c] : -1;
        if (value < 0) {
          throw new IOException(RESOURCE + " line " + line + ": not base64 before the rank");
        }
        buffer = (buffer << 6) | value;
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          if (size == bytes.length) {
            bytes = Arrays.copyOf(bytes, size * 3 / 2);
          }
          bytes[size++] = (byte) (buffer >>> bits);
        }
      }
      int rank = 0;
      int digits = 0;
      for (c = in.read(); c >= '0' && c <= '9'; c = in.read(), digits++) {
        rank = rank * 10 + (c - '0');
      }
      // Ranks are 0, 1, 2...: a token's rank is then its position, and needs no array of its own.
      if (digits == 0 || rank != tokens || (c != '\n' && c != -1) || offsets[tokens] == size) {
        throw new IOException(RESOURCE + " line " + line + ": expected a token of rank " + tokens);
      }
      tokens++;
      if (tokens + 1 == offsets.length) {
        offsets = Arrays.copyOf(offsets, offsets.length * 3 / 2);
      }
      offsets[tokens] = size;
    }
    if (tokens == 0) {
      throw new IOException(RESOURCE + " holds no token");
    }
    return new Cl100kVocabulary(Arrays.copyOf(bytes, size), Arrays.copyOf(offsets, tokens + 1));
  }

  int size() {
    return offsets.length - 1;
  }

  /** The rank of the token whose bytes are {@code b[from .. to)}, or {@link #NONE}. */
  int rank(byte[] b, int from, int to) {
    int length = to - from;
    if (length > longest) {
      return NONE;
    }
    for (int slot = hash(b, from, to) & mask; ; slot = (slot + 1) & mask) {
      int rank = index[slot];
      if (rank == EMPTY) {
        return NONE;
      }
      int start = offsets[rank];
      if (offsets[rank + 1] - start == length && Arrays.equals(bytes, start, start + length, b, from, to)) {
        return rank;
      }
    }
  }

  private static int hash(byte[] b, int from, int to) {
    int h = 0x811C9DC5;
    for (int i = from; i < to; i++) {
      h = (h ^ (b[i] & 0xFF)) * 0x01000193;
    }
    h ^= h >>> 15;
    h *= 0x2C1B3C6D;
    return h ^ (h >>> 12);
  }

  private static byte[] base64Values() {
    byte[] values = new byte[128];
    Arrays.fill(values, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      values[alphabet.charAt(i)] = (byte) i;
    }
    return values;
  }
}
