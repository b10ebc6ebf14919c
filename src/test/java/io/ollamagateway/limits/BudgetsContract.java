package io.ollamagateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What every {@link Budgets} must do; run against memory and against the real Redis. */
abstract class BudgetsContract {

  static final ZoneId UTC = ZoneId.of("UTC");
  static final Instant NOW = Instant.parse("2026-11-22T10:15:30Z");

  abstract Budgets budgets();

  abstract Concurrency concurrency();

  /** A subject no other test uses: Redis outlives test runs. */
  static String subject() {
    return "test-" + UUID.randomUUID();
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  @Test
  void requestBudgetsCountEachRequestAndRefuseTheOneOverTheLimit() throws Exception {
    Budget perHour = new Budget(subject(), "requests", 3, Window.HOUR);
    Claim claim = new Claim(List.of(perHour), List.of(), 0, 0);
    for (int i = 0; i < 3; i++) {
      assertThat(await(budgets().reserve(claim, NOW)).granted()).isTrue();
    }
    Reservation refused = await(budgets().reserve(claim, NOW));
    assertThat(refused.granted()).isFalse();
    assertThat(refused.exceeded()).isEqualTo(perHour);
    assertThat(refused.tightest().resetAt()).isEqualTo(Instant.parse("2026-11-22T11:00:00Z"));
    // the next hour is a new window
    assertThat(await(budgets().reserve(claim, NOW.plusSeconds(3600))).granted()).isTrue();
  }

  @Test
  void tokenGrantsShrinkToWhatIsLeftAndSettleToTheRealCount() throws Exception {
    Budget daily = new Budget(subject(), "tokens", 100, Window.DAY);
    Reservation first = await(budgets().reserve(new Claim(List.of(), List.of(daily), 10, 70), NOW));
    assertThat(first.granted()).isTrue();
    assertThat(first.tokens()).isEqualTo(70);
    Reservation second = await(budgets().reserve(new Claim(List.of(), List.of(daily), 10, 70), NOW));
    assertThat(second.tokens()).as("only 30 are left while the first is in flight").isEqualTo(30);
    assertThat(await(budgets().reserve(new Claim(List.of(), List.of(daily), 10, 70), NOW)).granted()).isFalse();

    await(budgets().settle(first, 20));
    assertThat(await(budgets().peek(List.of(daily), NOW)).get(0).remaining()).isEqualTo(100 - 20 - 30);
    await(budgets().settle(second, 0));
    assertThat(await(budgets().peek(List.of(daily), NOW)).get(0).remaining()).isEqualTo(80);
  }

  @Test
  void aRefusalTakesNothingFromTheOtherBudgets() throws Exception {
    String who = subject();
    Budget requests = new Budget(who, "requests", 10, Window.HOUR);
    Budget tokens = new Budget(who, "tokens", 5, Window.MINUTE);
    Reservation refused = await(budgets().reserve(new Claim(List.of(requests), List.of(tokens), 6, 6), NOW));
    assertThat(refused.granted()).isFalse();
    assertThat(refused.exceeded()).isEqualTo(tokens);
    assertThat(await(budgets().peek(List.of(requests, tokens), NOW)))
        .extracting(Reservation.State::remaining).containsExactly(10L, 5L);
  }

  @Test
  void concurrentReservationsNeverOvershootTheLimit() throws Exception {
    Budget small = new Budget(subject(), "tokens", 1000, Window.MONTH);
    List<Future<Reservation>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(budgets().reserve(new Claim(List.of(), List.of(small), 20, 50), NOW));
    }
    long granted = 0;
    for (Future<Reservation> f : all) {
      Reservation r = await(f);
      if (r.granted()) {
        granted += r.tokens();
        assertThat(r.tokens()).isBetween(20L, 50L);
      }
    }
    assertThat(granted).isLessThanOrEqualTo(1000).isGreaterThanOrEqualTo(1000 - 20);
  }

  @Test
  void concurrencyCapsHeldSlotsUntilReleased() throws Exception {
    String who = subject();
    Concurrency.Slot a = await(concurrency().acquire(who, 2));
    Concurrency.Slot b = await(concurrency().acquire(who, 2));
    assertThat(a).isNotNull();
    assertThat(b).isNotNull();
    assertThat(await(concurrency().acquire(who, 2))).isNull();
    await(a.release());
    await(a.release());
    Concurrency.Slot c = await(concurrency().acquire(who, 2));
    assertThat(c).isNotNull();
    assertThat(await(concurrency().acquire(who, 2))).isNull();
  }
}
