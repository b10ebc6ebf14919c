package io.ollamagateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.store.Database;
import io.ollamagateway.store.UsageFilter;
import io.ollamagateway.store.UsageTotal;
import io.ollamagateway.testing.TestDatabase;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The usage store on its own: flushes of the same hourly key add up (also without a user or key, which are
 * stored as 0 so that they conflict), and the filters select the right rows. Runs on SQLite and PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UsageStoreTest {

  private static final Instant HOUR = Instant.parse("2026-11-22T04:00:00Z");

  private TestDatabase testDatabase;
  private Database database;
  private JdbcUsageStore store;

  abstract TestDatabase newDatabase();

  @BeforeAll
  void open() throws Exception {
    testDatabase = newDatabase();
    database = Database.open(Optional.of(testDatabase.url()), Files.createTempDirectory("usage-store-"));
    store = new JdbcUsageStore(database.dataSource());
  }

  @AfterAll
  void close() {
    if (database != null) {
      database.close();
    }
    if (testDatabase != null) {
      testDatabase.close();
    }
  }

  private static Rollup row(Instant hour, Long userId, Long keyId, String client, String model, long requests,
      long prompt, long completion) {
    return new Rollup(new Rollup.Key(hour, userId, keyId, client, model, "local", -1), requests, prompt,
        completion, 0, 1, 10, 5);
  }

  @Test
  void flushesOfTheSameHourAddUpEvenWithoutUserOrKey() {
    store.add(List.of(row(HOUR, null, null, "shared-token", "m-null", 1, 10, 3)));
    store.add(List.of(row(HOUR, null, null, "shared-token", "m-null", 2, 5, 4)));

    List<UsageTotal> totals = store.totals(new UsageFilter(null, null, null, null, "m-null", null));

    assertThat(totals).hasSize(1);
    UsageTotal total = totals.get(0);
    assertThat(total.hour()).isEqualTo(HOUR);
    assertThat(total.userId()).isZero();
    assertThat(total.keyLabel()).isEqualTo("shared-token");
    assertThat(List.of(total.requests(), total.promptTokens(), total.completionTokens(), total.errors(),
        total.durationMillis(), total.firstByteMillis())).containsExactly(3L, 15L, 7L, 2L, 20L, 10L);
  }

  @Test
  void filtersSelectByTimeUserKeyAndModel() {
    Instant next = HOUR.plusSeconds(3600);
    store.add(List.of(row(HOUR, 7L, 70L, "key:70", "m-filter", 1, 1, 1),
        row(next, 7L, 70L, "key:70", "m-filter", 2, 2, 2),
        row(next, 8L, 80L, "key:80", "m-filter", 4, 4, 4)));

    UsageFilter model = new UsageFilter(null, null, null, null, "m-filter", null);
    assertThat(store.totals(model)).extracting(UsageTotal::requests).containsExactly(1L, 2L, 4L);
    assertThat(store.totals(new UsageFilter(next, null, null, null, "m-filter", null)))
        .extracting(UsageTotal::requests).containsExactly(2L, 4L);
    assertThat(store.totals(new UsageFilter(null, next, null, null, "m-filter", null)))
        .extracting(UsageTotal::requests).containsExactly(1L);
    assertThat(store.totals(model.forUser(7))).extracting(UsageTotal::requests).containsExactly(1L, 2L);
    assertThat(store.totals(new UsageFilter(null, null, null, "80", "m-filter", null)))
        .extracting(UsageTotal::requests).containsExactly(4L);
    assertThat(store.totals(new UsageFilter(null, null, null, null, "m-filter", "elsewhere"))).isEmpty();
  }

  @Test
  void admittedRequestsAddUpApartFromRequestsAndAreReadPerUserOrKeyOverWholeHours() {
    Instant next = HOUR.plusSeconds(3600);
    Rollup.Key key = new Rollup.Key(HOUR, 9L, 90L, "key:90", "m-admitted", "local", -1);
    store.add(List.of(new Rollup(key, 1, 0, 0, 0, 0, 0, 0, 1), new Rollup(key.withModel("other"), 1, 0, 0, 0, 0, 0,
        0, 0)));
    store.add(List.of(new Rollup(key, 2, 0, 0, 0, 0, 0, 0, 1)));
    store.add(List.of(new Rollup(new Rollup.Key(next, 9L, 91L, "key:91", "m-admitted", "local", -1), 1, 0, 0, 0, 0,
        0, 0, 1)));

    assertThat(store.admitted(9L, null, HOUR.plusSeconds(1800), next.plusSeconds(3600)))
        .as("from the hour that holds the start").isEqualTo(3);
    assertThat(store.admitted(null, 90L, HOUR, next)).isEqualTo(2);
    assertThat(store.admitted(9L, null, next, next.plusSeconds(3600))).isEqualTo(1);
    assertThat(store.totals(new UsageFilter(null, null, "9", null, null, null))).extracting(UsageTotal::requests)
        .as("refused requests are still requests").containsExactly(3L, 1L, 1L);
  }
}
