package io.ollamagateway.limits;

import io.ollamagateway.testing.RedisSupport;
import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisAPI;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
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

  @Test
  void aReservationNobodySettlesStopsHoldingAtItsExpiry() throws Exception {
    Budgets dying = new RedisBudgets(vertx, redis, UTC, "ogw:", null, Duration.ofMillis(500));
    Budget daily = new Budget(subject(), "tokens", 100, Window.DAY);
    Claim claim = new Claim(List.of(), List.of(daily), 60, 60);
    assertThat(await(dying.reserve(claim, NOW)).granted()).isTrue(); // and its instance dies: no settle
    assertThat(await(budgets().reserve(claim, NOW)).granted()).as("held until its expiry").isFalse();
    Thread.sleep(700);
    Reservation after = await(budgets().reserve(claim, NOW));
    assertThat(after.granted()).as("released by the next reservation after its expiry").isTrue();
    assertThat(after.tokens()).isEqualTo(60);
  }

  @Test
  void aSettleSentTwiceCountsOnce() throws Exception {
    Budget daily = new Budget(subject(), "tokens", 100, Window.DAY);
    Reservation reservation = await(budgets().reserve(new Claim(List.of(), List.of(daily), 60, 60), NOW));
    await(budgets().settle(reservation, 30));
    await(budgets().settle(reservation, 30)); // a retry after an answer that was lost
    assertThat(await(budgets().peek(List.of(daily), NOW)).get(0).remaining()).isEqualTo(70);
  }

  @Test
  void aRequestTurnedAwayAfterItsReservationIsTakenBackOut() throws Exception {
    Budget hourly = new Budget(subject(), "requests", 2, Window.HOUR);
    Claim claim = new Claim(List.of(hourly), List.of(), 0, 0);
    Reservation admitted = await(budgets().reserve(claim, NOW));
    await(budgets().requestOver(admitted, true));
    Reservation turnedAway = await(budgets().reserve(claim, NOW)); // then refused by its concurrency cap
    await(budgets().requestOver(turnedAway, false));
    assertThat(await(budgets().peek(List.of(hourly), NOW)).get(0).remaining()).isEqualTo(1);
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
