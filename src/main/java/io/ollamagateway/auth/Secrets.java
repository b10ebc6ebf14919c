package io.ollamagateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Small helpers for handling secrets safely. Stateless and thread-safe. */
public final class Secrets {

  /**
   * Never used itself, only cloned: a clone is much cheaper than {@link MessageDigest#getInstance}'s provider
   * lookup, which showed in profiles of every authenticated request.
   */
  private static final MessageDigest SHA_256 = sha256Digest();

  private Secrets() {
  }

  private static MessageDigest sha256Digest() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.clone(); // fails now, not on the first request, if this runtime's digest cannot be cloned
      return digest;
    } catch (NoSuchAlgorithmException | CloneNotSupportedException e) {
      throw new IllegalStateException("this Java runtime has no cloneable SHA-256", e);
    }
  }

  /**
   * One digest per thread, cloned once from {@link #SHA_256}: a clone per call copied the digest's state and
   * working arrays (about 450 bytes) on every authenticated request. {@link MessageDigest#digest} resets it.
   * The threads that hash are the event loops and a few workers: a handful of digests in all.
   */
  private static final ThreadLocal<MessageDigest> PER_THREAD = ThreadLocal.withInitial(() -> {
    try {
      return (MessageDigest) SHA_256.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("checked when the class was loaded", e);
    }
  });

  /** SHA-256 of a secret's UTF-8 bytes. */
  public static byte[] sha256(String secret) {
    return PER_THREAD.get().digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Compares two secrets by their SHA-256 digests, in time that does not depend on where they differ, nor on
   * the presented secret's length (both digests are 32 bytes).
   */
  public static boolean constantTimeEquals(byte[] expectedHash, byte[] presentedHash) {
    return MessageDigest.isEqual(expectedHash, presentedHash);
  }
}
