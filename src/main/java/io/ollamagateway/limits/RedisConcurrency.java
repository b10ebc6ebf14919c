package io.ollamagateway.limits;

import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link Concurrency} shared by every instance through Redis: a sorted set per subject whose members are the
 * leases and whose scores are their expiry. An instance that dies without releasing cannot hold slots for
 * longer than {@code leaseTtl}.
 *
 * <p>Thread-safe; asynchronous.
 */
public final class RedisConcurrency implements Concurrency {

  // KEYS[1] set; ARGV: now ms, limit, member, expiry ms
  private static final String ACQUIRE = """
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
      if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
      redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
      redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) - tonumber(ARGV[1]))
      return 1
      """;

  private final RedisAPI redis;
  private final Duration leaseTtl;
  private final String prefix;
  private final String instance = UUID.randomUUID().toString();
  private final AtomicLong sequence = new AtomicLong();

  /** @param keyPrefix starts the name of every Redis key this writes ({@code REDIS_KEY_PREFIX}) */
  public RedisConcurrency(RedisAPI redis, Duration leaseTtl, String keyPrefix) {
    this.redis = redis;
    this.leaseTtl = leaseTtl;
    this.prefix = keyPrefix + "concurrency:";
  }

  @Override
  public Future<Slot> acquire(String subject, int limit) {
    long now = System.currentTimeMillis();
    String key = prefix + subject;
    String member = instance + ":" + sequence.incrementAndGet();
    return redis.eval(List.of(ACQUIRE, "1", key, String.valueOf(now), String.valueOf(limit), member,
            String.valueOf(now + leaseTtl.toMillis())))
        .map(granted -> {
          if (granted.toLong() != 1) {
            return null;
          }
          AtomicBoolean released = new AtomicBoolean();
          return () -> released.compareAndSet(false, true)
              ? redis.zrem(List.of(key, member)).mapEmpty()
              : Future.succeededFuture();
        });
  }
}
