package io.ollamagateway.usage;

import java.util.concurrent.CompletableFuture;

/**
 * Estimates token counts of text with the cl100k_base encoding, for answers that carry no counts of their
 * own. An estimate, not the model's tokenizer: records made with it are marked as estimated. Text that looks
 * like a special token ({@code <|endoftext|>}) is counted as the plain text it is.
 *
 * <p>Thread-safe; {@link #count} runs on the caller's thread (event loops included) and allocates nothing for
 * usual text. The encoding's tables (about 2 MB of heap) take 0.1 to 0.3 s to load: construction
 * starts loading them on a thread of their own, so that the rest of start-up (the store, its migrations, the
 * listeners) runs meanwhile; {@link #count} waits for them only if it is called before they are loaded, which
 * in the gateway means a request that arrived in the first moments after start. Build one and share it.
 */
public final class TokenEstimator {

  private final CompletableFuture<Cl100kCounter> counter = new CompletableFuture<>();

  public TokenEstimator() {
    Thread loader = new Thread(() -> {
      try {
        counter.complete(new Cl100kCounter(Cl100kVocabulary.load()));
      } catch (Throwable e) {
        counter.completeExceptionally(e);
      }
    }, "tokenizer-load");
    loader.setDaemon(true);
    loader.start();
  }

  public int count(String text) {
    return text == null || text.isEmpty() ? 0 : counter.join().count(text);
  }
}
