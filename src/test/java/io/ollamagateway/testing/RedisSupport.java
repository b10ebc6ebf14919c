package io.ollamagateway.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.ollamagateway.server.RedisClients;
import io.vertx.redis.client.RedisAPI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The machine's Redis (127.0.0.1:6379, or {@code TEST_REDIS_URL}) for tests. When it cannot be reached, a test
 * fails in CI ({@code CI} set) and is skipped elsewhere, saying why either way.
 */
public final class RedisSupport {

  public static final String URL = System.getenv().getOrDefault("TEST_REDIS_URL", "redis://127.0.0.1:6379");

  private RedisSupport() {
  }

  /** A connected client, or a failed/skipped test. */
  public static RedisAPI connect(Vertx vertx) {
    RedisAPI api = RedisClients.create(vertx, URL);
    try {
      api.ping(List.of()).await(5, TimeUnit.SECONDS);
      return api;
    } catch (Exception e) {
      String message = "Redis is not reachable at " + URL + " (" + e.getMessage() + ")";
      if (System.getenv("CI") != null) {
        fail(message + ": CI must run the Redis tests");
      }
      Assumptions.abort(message + ": skipping the Redis tests");
      return null;
    }
  }
}
