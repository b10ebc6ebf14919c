package io.ollamagateway.server;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;

/**
 * Creates the Redis client the gateway shares across event loops, and hands to the capabilities that use it
 * (limits, identity's change feed). Its pool is sized for a gateway's load:
 * the client library's default wait queue (24 waiting commands) is overrun by a burst of concurrent requests,
 * each of which reserves its budgets in Redis.
 */
public final class RedisClients {

  private RedisClients() {
  }

  /**
   * @param url {@code redis://[user:password@]host:port[/db]}
   */
  public static RedisAPI create(Vertx vertx, String url) {
    RedisOptions options = new RedisOptions()
        .setConnectionString(url)
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(100_000)
        .setMaxWaitingHandlers(100_000);
    return RedisAPI.api(Redis.createClient(vertx, options));
  }
}
