package io.ollamagateway.config;

import java.time.Duration;

/**
 * The embeddings cache (docs/embeddings-cache.md).
 *
 * @param enabled {@code EMBED_CACHE}: whether identical embedding inputs are answered from the cache
 * @param maxBytes {@code EMBED_CACHE_MAX_BYTES}: what the in-memory cache may hold (least recently used out first);
 *     with {@code REDIS_URL} the cache is in Redis, whose own {@code maxmemory} bounds it
 * @param ttl {@code EMBED_CACHE_TTL}: how long an entry is kept
 * @param shared {@code EMBED_CACHE_SHARED}: whether tenants (users, or keys without a user) share entries; off by
 *     default, since a hit's speed tells a caller that someone embedded that text before
 */
public record EmbedCacheConfig(boolean enabled, long maxBytes, Duration ttl, boolean shared) {

  public static final EmbedCacheConfig DEFAULTS = new EmbedCacheConfig(true, 64L * 1024 * 1024, Duration.ofHours(24),
      false);
}
