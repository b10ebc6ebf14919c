package io.ollamagateway.auth;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * How API keys look: {@code sk-} and 43 base62 characters carrying 256 random bits from {@link SecureRandom};
 * stored as the SHA-256 hex of the whole string; shown afterwards only as a display prefix such as
 * {@code sk-abcd1234…}. Thread-safe.
 */
public final class ApiKeys {

  private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  /** 43 base62 digits hold 256 bits (62^43 > 2^256). */
  private static final int LENGTH = 43;
  private static final int PREFIX_CHARS = 8;

  private final SecureRandom random;

  public ApiKeys(SecureRandom random) {
    this.random = random;
  }

  public ApiKeys() {
    this(new SecureRandom());
  }

  /** A new secret key. Shown to its owner once and never stored. */
  public String generate() {
    StringBuilder key = new StringBuilder("sk-");
    for (int i = 0; i < LENGTH; i++) {
      key.append(BASE62[random.nextInt(BASE62.length)]);
    }
    return key.toString();
  }

  /** The stored form of a key: SHA-256 in lower-case hex. */
  public static String hash(String key) {
    return hex(Secrets.sha256(key));
  }

  /** The stored form of a key whose SHA-256 digest is already known. */
  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /**
   * The display prefix of an imported key (any format, brought over from another proxy): 8 characters at most,
   * the first 4 and, for keys of 24 characters or more, the last 4 ({@code OLLA…9f3c}), so that keys sharing a
   * fixed beginning such as {@code OLLAMA-} stay apart in listings; only the first 4 of shorter keys. What stays
   * hidden of an imported key of at least 16 characters is at least 8 characters; how strong that is depends on
   * how the key was made, which is why import refuses keys shorter than 16 characters.
   */
  public static String importedPrefix(String secret) {
    if (secret.length() >= 24) {
      return secret.substring(0, 4) + "…" + secret.substring(secret.length() - 4);
    }
    return secret.length() >= 16 ? secret.substring(0, 4) + "…" : "…";
  }

  /**
   * What may be shown of a presented secret in logs and listings: {@code sk-} and 8 characters for a key of
   * this gateway's length, at most 4 characters of anything else of 16 characters or more, nothing of
   * shorter secrets.
   */
  public static String displayPrefix(String secret) {
    if (secret.startsWith("sk-") && secret.length() >= 3 + LENGTH - 3) {
      // 8 of at least 37 random characters: what stays hidden is still far beyond guessing
      return secret.substring(0, 3 + PREFIX_CHARS) + "…";
    }
    return secret.length() >= 16 ? secret.substring(0, 4) + "…" : "…";
  }
}
