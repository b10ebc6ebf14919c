package io.ollamagateway.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.concurrent.CompletableFuture;

/**
 * Estimates token counts of text with the cl100k_base encoding, for answers that carry no counts of their
 * own. An estimate, not the model's tokenizer: records made with it are marked as estimated.
 *
 * <p>Thread-safe. The encoding's tables take a few hundred milliseconds to load: construction starts loading
 * them on a thread of their own, so that the rest of start-up (the store, its migrations, the listeners) runs
 * meanwhile; {@link #count} waits for them only if it is called before they are loaded, which in the gateway
 * means a request that arrived in the first moments after start. Build one and share it.
 */
public final class TokenEstimator {

  private final CompletableFuture<Encoding> encoding = new CompletableFuture<>();

  public TokenEstimator() {
    Thread loader = new Thread(() -> {
      try {
        encoding.complete(Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE));
      } catch (Throwable e) {
        encoding.completeExceptionally(e);
      }
    }, "tokenizer-load");
    loader.setDaemon(true);
    loader.start();
  }

  public int count(String text) {
    return text == null || text.isEmpty() ? 0 : encoding.join().countTokens(text);
  }
}
