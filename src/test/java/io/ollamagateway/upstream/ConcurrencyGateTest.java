package io.ollamagateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.api.ApiError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConcurrencyGateTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void callersTakeTurnsSoOneBusyCallerCannotStarveAnother() throws Exception {
    ConcurrencyGate gate = new ConcurrencyGate(vertx, "local", 1, 20, 0, System::currentTimeMillis);
    List<String> order = new CopyOnWriteArrayList<>();
    assertThat(gate.enter("flood").succeeded()).isTrue(); // holds the only slot
    List<Future<Void>> waits = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int n = i;
      waits.add(gate.enter("flood").onSuccess(v -> order.add("flood-" + n)));
    }
    waits.add(gate.enter("quiet").onSuccess(v -> order.add("quiet")));
    assertThat(gate.stats().queued()).isEqualTo(7);

    for (int i = 0; i < 7; i++) {
      int before = order.size();
      gate.leave();
      await(() -> order.size() == before + 1);
    }
    // flood-0 was queued first, then it is quiet's turn, though six flood requests arrived before it
    assertThat(order).startsWith("flood-0", "quiet");
    assertThat(order.subList(2, 7)).containsExactly("flood-1", "flood-2", "flood-3", "flood-4", "flood-5");
    assertThat(gate.stats().inFlight()).isEqualTo(1);
    gate.leave();
    assertThat(gate.stats().inFlight()).isZero();
    assertThat(gate.stats().admittedAfterWait()).isEqualTo(7);
  }

  @Test
  void aFullQueueIsRefusedWith503AndRetryAfter() {
    ConcurrencyGate gate = new ConcurrencyGate(vertx, "local", 1, 1, 0, System::currentTimeMillis);
    assertThat(gate.enter("a").succeeded()).isTrue();
    Future<Void> waiting = gate.enter("a");
    Future<Void> refused = gate.enter("b");
    assertThat(waiting.isComplete()).isFalse();
    assertThat(refused.failed()).isTrue();
    ApiError error = (ApiError) refused.cause();
    assertThat(error.status()).isEqualTo(503);
    assertThat(error.headers()).containsKey("Retry-After");
    assertThat(gate.stats().rejected()).isEqualTo(1);
  }

  @Test
  void aRequestWaitingLongerThanTheTimeoutGets503() throws Exception {
    ConcurrencyGate gate = new ConcurrencyGate(vertx, "local", 1, 5, 50, System::currentTimeMillis);
    assertThat(gate.enter("a").succeeded()).isTrue();
    Future<Void> waiting = gate.enter("b");
    await(waiting::isComplete);
    assertThat(((ApiError) waiting.cause()).status()).isEqualTo(503);
    assertThat(gate.stats().queued()).isZero();
    assertThat(gate.stats().timedOut()).isEqualTo(1);
    gate.leave();
    assertThat(gate.stats().inFlight()).isZero();
  }

  @Test
  void withoutACapEveryoneEntersAtOnce() {
    ConcurrencyGate gate = new ConcurrencyGate(vertx, "local", 0, 0, 0, System::currentTimeMillis);
    for (int i = 0; i < 100; i++) {
      assertThat(gate.enter("a").succeeded()).isTrue();
    }
  }

  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 5 s");
      }
      Thread.sleep(5);
    }
  }
}
