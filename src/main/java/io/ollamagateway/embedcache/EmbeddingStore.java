package io.ollamagateway.embedcache;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;

/**
 * Where cached embeddings live: one vector (its JSON array text) per key. Implementations are thread-safe and
 * never block the caller.
 */
public interface EmbeddingStore {

  /** The vectors of {@code keys}, in order, {@code null} for each one not held; never fails (a miss instead). */
  Future<List<Buffer>> getAll(List<String> keys);

  /** Stores vectors; best effort (a store that cannot write loses them). */
  void putAll(Map<String, Buffer> entries);
}
