package io.ollamagateway.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Estimates token counts of text with the cl100k_base encoding, for answers that carry no counts of their
 * own. An estimate, not the model's tokenizer: records made with it are marked as estimated.
 *
 * <p>Thread-safe. Construction loads the encoding's tables (a few hundred milliseconds): build one at
 * start-up, off the event loops, and share it.
 */
public final class TokenEstimator {

  private final Encoding encoding;

  public TokenEstimator() {
    this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  }

  public int count(String text) {
    return text == null || text.isEmpty() ? 0 : encoding.countTokens(text);
  }
}
