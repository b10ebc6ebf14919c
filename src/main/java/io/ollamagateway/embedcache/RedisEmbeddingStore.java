package io.ollamagateway.embedcache;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store in Redis (when {@code REDIS_URL} is set), shared by every gateway instance: {@code MGET} for lookups,
 * {@code SET ... PX ttl} for writes. Bounded by Redis's own {@code maxmemory} (with an LRU policy). A Redis that
 * cannot be reached makes misses, never errors. Thread-safe; asynchronous.
 */
public final class RedisEmbeddingStore implements EmbeddingStore {

  private static final Logger LOG = LoggerFactory.getLogger(RedisEmbeddingStore.class);

  private final RedisAPI redis;
  private final String prefix;
  private final long ttlMillis;

  /** @param prefix {@code REDIS_KEY_PREFIX}, before {@code emb:} */
  public RedisEmbeddingStore(RedisAPI redis, String prefix, long ttlMillis) {
    this.redis = redis;
    this.prefix = prefix + "emb:";
    this.ttlMillis = ttlMillis;
  }

  @Override
  public Future<List<Buffer>> getAll(List<String> keys) {
    List<String> args = new ArrayList<>(keys.size());
    keys.forEach(k -> args.add(prefix + k));
    return redis.mget(args).map(response -> {
      List<Buffer> found = new ArrayList<>(keys.size());
      for (int i = 0; i < keys.size(); i++) {
        Response value = response == null || i >= response.size() ? null : response.get(i);
        found.add(value == null ? null : value.toBuffer());
      }
      return found;
    }).recover(err -> {
      LOG.warn("embeddings cache: Redis lookup failed ({}); answering from the upstream", err.toString());
      List<Buffer> none = new ArrayList<>(keys.size());
      keys.forEach(k -> none.add(null));
      return Future.succeededFuture(none);
    });
  }

  @Override
  public void putAll(Map<String, Buffer> entries) {
    entries.forEach((key, vector) -> redis.set(List.of(prefix + key, vector.toString(), "PX",
            Long.toString(ttlMillis)))
        .onFailure(err -> LOG.warn("embeddings cache: Redis write failed ({})", err.toString())));
  }
}
