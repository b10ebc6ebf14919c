package io.ollamagateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Small helpers for handling secrets safely. Stateless and thread-safe. */
public final class Secrets {

  private Secrets() {
  }

  /** SHA-256 of a secret's UTF-8 bytes. */
  public static byte[] sha256(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * Compares two secrets by their SHA-256 digests, in time that does not depend on where they differ, nor on
   * the presented secret's length (both digests are 32 bytes).
   */
  public static boolean constantTimeEquals(byte[] expectedHash, byte[] presentedHash) {
    return MessageDigest.isEqual(expectedHash, presentedHash);
  }
}
