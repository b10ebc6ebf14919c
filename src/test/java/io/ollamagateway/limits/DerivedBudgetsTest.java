package io.ollamagateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.usage.Rollup;
import io.ollamagateway.usage.UsageHistory;
import io.ollamagateway.usage.UsageRollups;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Token counters derived from the usage store and the rows not yet written: each row counts once, whether it
 * was written before, during or after the derivation, and a store that cannot be read keeps what is known.
 */
class DerivedBudgetsTest {

  private static final ZoneId UTC = ZoneId.of("UTC");
  private final Instant now = Instant.now();
  private final Vertx vertx = Vertx.vertx();
  /** What the store holds for user 7: 50 tokens from before this instance, plus the rows it writes. */
  private final AtomicLong stored = new AtomicLong(50);
  private final AtomicBoolean storeDown = new AtomicBoolean();
  private final UsageRollups rollups = new UsageRollups(vertx, batch -> batch.forEach(row ->
      stored.addAndGet(row.promptTokens() + row.completionTokens())), Duration.ofHours(1), () -> now);
  private final UsageHistory history = new UsageHistory() {
    @Override
    public long tokens(Long userId, Long keyId, Instant from, Instant to) {
      if (storeDown.get()) {
        throw new IllegalStateException("store is down");
      }
      return userId != null && userId == 7 ? stored.get() : 0;
    }

    @Override
    public long admitted(Long userId, Long keyId, Instant from, Instant to) {
      if (storeDown.get()) {
        throw new IllegalStateException("store is down");
      }
      return userId != null && userId == 7 ? admittedStored.get() : 0;
    }
  };
  /** Requests admitted that the store holds for user 7. */
  private final AtomicLong admittedStored = new AtomicLong(0);

  @AfterEach
  void close() {
    vertx.close();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }

  private Rollup row(long tokens) {
    return new Rollup(new Rollup.Key(rollups.hourNow(), 7L, 12L, "key:12", "m", "default", -1), 0, tokens, 0, 0,
        0, 0, 0);
  }

  private long remaining(Budgets budgets, Budget daily) throws Exception {
    Reservation reservation = await(budgets.reserve(new Claim(List.of(), List.of(daily), 0, 0), now));
    return reservation.states().get(0).remaining();
  }

  @Test
  void eachRowCountsOnceWhereverItIsWhenTheCounterIsDerived() throws Exception {
    Budgets budgets = new MemoryBudgets(UTC, new UsageBaseline(rollups, history), Duration.ofHours(1),
        Instant::now);
    Budget daily = new Budget("user:7", "tokens", 1_000, Window.DAY);
    rollups.add(row(30)); // collected, not written
    assertThat(remaining(budgets, daily)).as("50 stored + 30 collected").isEqualTo(1_000 - 80);
    await(rollups.flush()); // now in the store, no longer collected
    rollups.add(row(10));
    assertThat(remaining(budgets, daily)).isEqualTo(1_000 - 90);
    Budget monthly = new Budget("user:7", "tokens", 5_000, Window.MONTH);
    assertThat(remaining(budgets, monthly)).as("derived after the flush: the same rows, once")
        .isEqualTo(5_000 - 90);
    Budget otherUser = new Budget("user:8", "tokens", 1_000, Window.DAY);
    assertThat(remaining(budgets, otherUser)).isEqualTo(1_000);
  }

  @Test
  void aStoreThatCannotBeReadKeepsWhatIsKnownAndThenRefusesUnknownCounters() throws Exception {
    Budgets budgets = new MemoryBudgets(UTC, new UsageBaseline(rollups, history), Duration.ZERO, Instant::now);
    Budget daily = new Budget("user:7", "tokens", 1_000, Window.DAY);
    assertThat(remaining(budgets, daily)).isEqualTo(1_000 - 50);
    storeDown.set(true);
    rollups.add(row(20));
    assertThat(remaining(budgets, daily)).as("stale, not re-read: what was known plus what came since")
        .isEqualTo(1_000 - 70);
    Budget monthly = new Budget("user:7", "tokens", 5_000, Window.MONTH);
    assertThat(budgets.reserve(new Claim(List.of(), List.of(monthly), 0, 0), now)
        .transform(done -> Future.succeededFuture(done.failed())).await(10, TimeUnit.SECONDS))
        .as("a counter never derived cannot be guessed").isTrue();
  }

  @Test
  void anAdmittedRequestCountsOnceFromItsReservationThroughItsRowAndARefusedOneNever() throws Exception {
    admittedStored.set(2); // admitted before this instance started
    MemoryBudgets budgets = new MemoryBudgets(UTC, new UsageBaseline(rollups, history), Duration.ofHours(1),
        Instant::now);
    Budget daily = new Budget("user:7", "requests", 5, Window.DAY);
    Claim claim = new Claim(List.of(daily), List.of(), 0, 0);
    Reservation admitted = await(budgets.reserve(claim, now));
    assertThat(admitted.states().get(0).remaining()).as("2 stored, 1 reserved").isEqualTo(2);
    Rollup.Key key = new Rollup.Key(rollups.hourNow(), 7L, 12L, "key:12", "m", "default", -1);
    rollups.add(new Rollup(key, 1, 0, 0, 0, 0, 0, 0, 1)); // its row, when the request is over
    await(budgets.requestOver(admitted, true));
    assertThat(await(budgets.peek(List.of(daily), now)).get(0).remaining()).isEqualTo(2);

    Reservation turnedAway = await(budgets.reserve(claim, now)); // then refused by another limit
    rollups.add(new Rollup(key, 1, 0, 0, 0, 0, 0, 0, 0));
    await(budgets.requestOver(turnedAway, false));
    assertThat(await(budgets.peek(List.of(daily), now)).get(0).remaining()).as("refused: not counted")
        .isEqualTo(2);
    await(rollups.flush());
    admittedStored.addAndGet(1); // what the flush wrote
    Budget monthly = new Budget("user:7", "requests", 10, Window.MONTH);
    assertThat(await(budgets.peek(List.of(monthly), now)).get(0).remaining()).as("derived after the flush: once")
        .isEqualTo(10 - 3);
  }
}
