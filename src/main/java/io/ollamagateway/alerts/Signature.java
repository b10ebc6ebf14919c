package io.ollamagateway.alerts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a webhook delivery, in the header {@value #HEADER}: {@code t=<unix seconds>,v1=<hex>}, where
 * the hex is HMAC-SHA256 of {@code "<t>.<body>"} keyed with the webhook's secret. The timestamp is signed with
 * the body so that a receiver can refuse an old delivery replayed later (it should allow a few minutes of
 * clock skew). The same scheme as Stripe's, so that its verification code can be reused.
 *
 * <p>Stateless; thread-safe.
 */
public final class Signature {

  /** The header that carries the signature. */
  public static final String HEADER = "X-Gateway-Signature";

  private Signature() {
  }

  /** The header's value for {@code body} sent at {@code epochSeconds}. */
  public static String sign(String secret, long epochSeconds, String body) {
    return "t=" + epochSeconds + ",v1=" + hmac(secret, epochSeconds + "." + body);
  }

  /**
   * Whether {@code header} is a valid signature of {@code body} made no more than {@code toleranceSeconds}
   * from {@code nowSeconds}. Compares in constant time.
   */
  public static boolean verify(String secret, String header, String body, long nowSeconds, long toleranceSeconds) {
    if (header == null) {
      return false;
    }
    Long t = null;
    String v1 = null;
    for (String part : header.split(",")) {
      String item = part.trim();
      if (item.startsWith("t=")) {
        try {
          t = Long.parseLong(item.substring(2));
        } catch (NumberFormatException e) {
          return false;
        }
      } else if (item.startsWith("v1=")) {
        v1 = item.substring(3);
      }
    }
    if (t == null || v1 == null || Math.abs(nowSeconds - t) > toleranceSeconds) {
      return false;
    }
    return MessageDigest.isEqual(hmac(secret, t + "." + body).getBytes(StandardCharsets.US_ASCII),
        v1.getBytes(StandardCharsets.US_ASCII));
  }

  private static String hmac(String secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
