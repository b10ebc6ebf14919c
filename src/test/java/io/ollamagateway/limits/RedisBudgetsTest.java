package io.ollamagateway.limits;

import io.ollamagateway.testing.RedisSupport;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The same contract against the real Redis: what several gateway instances rely on. */
class RedisBudgetsTest extends BudgetsContract {

  private static Vertx vertx;
  private static RedisAPI redis;

  @BeforeAll
  static void connect() {
    vertx = Vertx.vertx();
    redis = RedisSupport.connect(vertx);
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  @Override
  Budgets budgets() {
    return new RedisBudgets(vertx, redis, UTC, "ogw:");
  }

  @Override
  Concurrency concurrency() {
    return new RedisConcurrency(redis, Duration.ofMinutes(5), "ogw:");
  }
}
