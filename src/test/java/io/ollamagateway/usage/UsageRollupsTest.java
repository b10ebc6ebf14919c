package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UsageRollupsTest {

  private static final Instant HOUR = Instant.parse("2026-11-22T10:00:00Z");
  private final Vertx vertx = Vertx.vertx();
  private final List<Collection<Rollup>> written = new ArrayList<>();
  private final AtomicBoolean storeDown = new AtomicBoolean();

  @AfterEach
  void close() {
    vertx.close();
  }

  private UsageRollups rollups() {
    return new UsageRollups(vertx, batch -> {
      if (storeDown.get()) {
        throw new IllegalStateException("store is down");
      }
      synchronized (written) {
        written.add(List.copyOf(batch));
      }
    }, Duration.ofHours(1), () -> HOUR.plusSeconds(125));
  }

  private static Rollup row(String model, long prompt, long completion) {
    return new Rollup(new Rollup.Key(HOUR, 7L, 12L, "key:12", model, "default", -1), 1, prompt, completion, 0, 0,
        100, 10);
  }

  @Test
  void rowsOfTheSameHourKeyAndModelAreAddedTogetherIntoOneBatch() throws Exception {
    UsageRollups rollups = rollups();
    assertThat(rollups.hourNow()).isEqualTo(HOUR);
    rollups.add(row("llama3.2", 10, 5));
    rollups.add(row("llama3.2", 1, 2));
    rollups.add(row("qwen", 3, 3));
    rollups.flush().await(5, TimeUnit.SECONDS);

    assertThat(written).hasSize(1);
    assertThat(written.get(0)).containsExactlyInAnyOrder(
        new Rollup(row("llama3.2", 0, 0).key(), 2, 11, 7, 0, 0, 200, 20), row("qwen", 3, 3));
  }

  @Test
  void aBatchTheStoreRefusedIsKeptAndWrittenWithTheNextOne() throws Exception {
    UsageRollups rollups = rollups();
    rollups.add(row("llama3.2", 10, 5));
    storeDown.set(true);
    try {
      rollups.flush().await(5, TimeUnit.SECONDS);
    } catch (IllegalStateException expected) {
      // the store is down
    }
    assertThat(rollups.pending()).hasSize(1);
    storeDown.set(false);
    rollups.add(row("llama3.2", 1, 1));
    rollups.flush().await(5, TimeUnit.SECONDS);

    assertThat(written).hasSize(1);
    assertThat(written.get(0)).containsExactly(new Rollup(row("x", 0, 0).key().withModel("llama3.2"), 2, 11, 6, 0,
        0, 200, 20));
    assertThat(rollups.pending()).isEmpty();
  }

  @Test
  void closingWritesWhatIsLeft() {
    UsageRollups rollups = rollups();
    rollups.add(row("llama3.2", 4, 4));
    rollups.close();
    assertThat(written).hasSize(1);
  }
}
