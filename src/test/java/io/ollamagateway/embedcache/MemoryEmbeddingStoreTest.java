package io.ollamagateway.embedcache;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The in-memory store stays within its byte budget, evicts the least recently used first and honours the TTL. */
class MemoryEmbeddingStoreTest {

  private final AtomicLong now = new AtomicLong(1_000);

  private static Buffer vector(int bytes) {
    return Buffer.buffer("[" + "1".repeat(bytes - 2) + "]");
  }

  private List<Buffer> get(MemoryEmbeddingStore store, String... keys) {
    return store.getAll(List.of(keys)).result();
  }

  @Test
  void staysWithinItsBytesAndEvictsTheLeastRecentlyUsed() {
    MemoryEmbeddingStore store = new MemoryEmbeddingStore(3 * 1200, 60_000, now::get);
    store.putAll(Map.of("a", vector(1000)));
    store.putAll(Map.of("b", vector(1000)));
    store.putAll(Map.of("c", vector(1000)));
    assertThat(get(store, "a")).doesNotContainNull(); // a is now the most recently used
    store.putAll(Map.of("d", vector(1000)));
    assertThat(store.bytes()).isLessThanOrEqualTo(3 * 1200);
    assertThat(get(store, "b").get(0)).isNull();
    assertThat(get(store, "a", "c", "d")).doesNotContainNull();

    for (int i = 0; i < 1000; i++) {
      store.putAll(Map.of("k" + i, vector(500)));
    }
    assertThat(store.bytes()).isLessThanOrEqualTo(3 * 1200);
    assertThat(store.size()).isLessThanOrEqualTo(6);
  }

  @Test
  void anEntryLargerThanTheBudgetIsNotKept() {
    MemoryEmbeddingStore store = new MemoryEmbeddingStore(1000, 60_000, now::get);
    store.putAll(Map.of("big", vector(5000)));
    assertThat(store.size()).isZero();
    assertThat(get(store, "big").get(0)).isNull();
  }

  @Test
  void anEntryOlderThanTheTtlIsAMiss() {
    MemoryEmbeddingStore store = new MemoryEmbeddingStore(100_000, 60_000, now::get);
    store.putAll(Map.of("a", vector(10)));
    now.addAndGet(59_999);
    assertThat(get(store, "a").get(0)).isNotNull();
    now.addAndGet(1);
    assertThat(get(store, "a").get(0)).isNull();
    assertThat(store.bytes()).isZero();
  }
}
