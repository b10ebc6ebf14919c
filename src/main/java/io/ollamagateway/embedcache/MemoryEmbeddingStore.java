package io.ollamagateway.embedcache;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The in-memory store: least recently used entries leave first once the entries' bytes (vector text plus key)
 * would exceed {@code maxBytes}; an entry older than the TTL is a miss. A single vector larger than the whole
 * budget is not kept. Thread-safe: one lock, held for map operations only (no I/O, no parsing).
 */
public final class MemoryEmbeddingStore implements EmbeddingStore {

  /** Per-entry overhead counted besides the key and the vector: map node, buffer, expiry. */
  private static final int OVERHEAD = 96;

  private record Entry(Buffer vector, long expires, long bytes) {
  }

  private final long maxBytes;
  private final long ttlMillis;
  private final LongSupplier clock;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
  private long bytes;

  public MemoryEmbeddingStore(long maxBytes, long ttlMillis, LongSupplier clock) {
    this.maxBytes = maxBytes;
    this.ttlMillis = ttlMillis;
    this.clock = clock;
  }

  @Override
  public synchronized Future<List<Buffer>> getAll(List<String> keys) {
    long now = clock.getAsLong();
    List<Buffer> found = new ArrayList<>(keys.size());
    for (String key : keys) {
      Entry entry = entries.get(key);
      if (entry != null && entry.expires() <= now) {
        remove(key);
        entry = null;
      }
      found.add(entry == null ? null : entry.vector());
    }
    return Future.succeededFuture(found);
  }

  @Override
  public synchronized void putAll(Map<String, Buffer> put) {
    long expires = clock.getAsLong() + ttlMillis;
    for (Map.Entry<String, Buffer> e : put.entrySet()) {
      long size = e.getValue().length() + 2L * e.getKey().length() + OVERHEAD;
      if (size > maxBytes) {
        continue;
      }
      remove(e.getKey());
      entries.put(e.getKey(), new Entry(e.getValue(), expires, size));
      bytes += size;
      Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
      while (bytes > maxBytes && eldest.hasNext()) {
        bytes -= eldest.next().getValue().bytes();
        eldest.remove();
      }
    }
  }

  private void remove(String key) {
    Entry old = entries.remove(key);
    if (old != null) {
      bytes -= old.bytes();
    }
  }

  /** Bytes held now (for tests and metrics). */
  public synchronized long bytes() {
    return bytes;
  }

  /** Entries held now. */
  public synchronized int size() {
    return entries.size();
  }
}
