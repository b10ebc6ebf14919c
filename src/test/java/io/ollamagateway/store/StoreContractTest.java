package io.ollamagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.usage.JdbcUsageStore;
import io.ollamagateway.auth.ApiKeys;
import io.ollamagateway.store.Role;
import io.ollamagateway.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The behaviour of the stores, run unchanged against SQLite ({@link SqliteStoreTest}) and PostgreSQL
 * ({@link PostgresStoreTest}): the parity the issue asks for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoreContractTest {

  private TestDatabase testDatabase;
  private Database database;
  private Stores stores;

  abstract TestDatabase newDatabase();

  @BeforeAll
  void open() {
    testDatabase = newDatabase();
    database = Database.open(Optional.of(testDatabase.url()), Path.of("."));
    stores = Stores.of(database, Clock.systemUTC());
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

  @Test
  void importedKeysAreStoredAllOrNone() {
    User owner = stores.users().create("importer-" + suffix(), null, Role.USER);
    String taken = ApiKeys.hash("OLLAMA-taken-" + owner.name());
    String fresh1 = ApiKeys.hash("OLLAMA-one-" + owner.name());
    String fresh2 = ApiKeys.hash("OLLAMA-two-" + owner.name());
    stores.keys().create(owner.id(), "first", taken, "OLLA…0001", null, List.of(), null);
    int before = stores.keys().list(owner.id()).size();
    // the second of three is already stored: the first, written before it in the same transaction, is undone
    assertThatThrownBy(() -> stores.keys().createAll(owner.id(), List.of(
        new KeyStore.NewKey("one", fresh1, "OLLA…0002"),
        new KeyStore.NewKey("two", taken, "OLLA…0001"),
        new KeyStore.NewKey("three", fresh2, "OLLA…0003")), null, List.of(), null))
        .isInstanceOf(ConflictException.class);
    assertThat(stores.keys().list(owner.id())).hasSize(before);

    List<ApiKey> made = stores.keys().createAll(owner.id(), List.of(
        new KeyStore.NewKey("one", fresh1, "OLLA…0002"),
        new KeyStore.NewKey("three", fresh2, "OLLA…0003")), null, List.of("llama3*"),
        new KeyLimits(null, 500L, null, null));
    assertThat(made).extracting(ApiKey::name).containsExactly("one", "three");
    assertThat(made.get(1).limits().requestsPerHour()).isEqualTo(500L);
    assertThat(stores.keys().findByHash(fresh2)).map(grant -> grant.key().models())
        .contains(List.of("llama3*"));
  }

  @Test
  void usersAreCreatedReadUpdatedAndListed() {
    User alice = stores.users().create("alice-" + suffix(), "alice@example.com", Role.USER);
    assertThat(alice.id()).isPositive();
    assertThat(alice.active()).isTrue();
    assertThat(alice.role()).isEqualTo(Role.USER);
    assertThat(stores.users().find(alice.id())).contains(alice);
    assertThat(stores.users().findByName(alice.name())).contains(alice);

    User changed = stores.users().update(alice.withChanges(null, Role.ADMIN, false)).orElseThrow();
    assertThat(changed.role()).isEqualTo(Role.ADMIN);
    assertThat(changed.active()).isFalse();
    assertThat(changed.email()).isNull();
    assertThat(stores.users().list()).contains(changed);
    assertThat(stores.users().update(new User(999_999, "x", null, Role.USER, true, Instant.now()))).isEmpty();
  }

  @Test
  void aTakenUserNameIsAConflict() {
    String name = "bob-" + suffix();
    stores.users().create(name, null, Role.USER);
    assertThatThrownBy(() -> stores.users().create(name, null, Role.ADMIN))
        .isInstanceOf(ConflictException.class).hasMessageContaining(name);
  }

  @Test
  void keysAreStoredByHashWithTheirSettings() {
    User owner = stores.users().create("carol-" + suffix(), null, Role.USER);
    String secret = new ApiKeys().generate();
    Instant expires = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MILLIS);
    ApiKey key = stores.keys().create(owner.id(), "ci", ApiKeys.hash(secret), ApiKeys.displayPrefix(secret), expires,
        List.of("llama3*", "qwen2.5:0.5b"), new KeyLimits(30L, 600L, 5000L, 2L));
    assertThat(key.models()).containsExactly("llama3*", "qwen2.5:0.5b");
    assertThat(key.limits()).isEqualTo(new KeyLimits(30L, 600L, 5000L, 2L));
    assertThat(key.expiresAt()).isEqualTo(expires);
    assertThat(key.prefix()).startsWith("sk-").endsWith("…").hasSize(12);

    KeyGrant grant = stores.keys().findByHash(ApiKeys.hash(secret)).orElseThrow();
    assertThat(grant.key()).isEqualTo(key);
    assertThat(grant.user()).isEqualTo(owner);
    assertThat(stores.keys().findByHash(ApiKeys.hash(secret + "x"))).isEmpty();
    assertThat(stores.keys().usable()).containsKey(ApiKeys.hash(secret));
    assertThat(stores.keys().list(owner.id())).containsExactly(key);

    ApiKey updated = stores.keys().update(key.withSettings("renamed", null, true, List.of(), null)).orElseThrow();
    assertThat(updated.name()).isEqualTo("renamed");
    assertThat(updated.expiresAt()).isNull();
    assertThat(updated.models()).isEmpty();
    assertThat(updated.limits()).isEqualTo(KeyLimits.NONE);
  }

  @Test
  void quotasAreStoredPerUserAndTravelWithTheirKeys() {
    User owner = stores.users().create("quota-" + suffix(), null, Role.USER);
    String secret = new ApiKeys().generate();
    stores.keys().create(owner.id(), "q", ApiKeys.hash(secret), ApiKeys.displayPrefix(secret), null, List.of(),
        KeyLimits.NONE);
    assertThat(stores.users().quota(owner.id())).isEqualTo(Quota.NONE);
    assertThat(stores.keys().findByHash(ApiKeys.hash(secret)).orElseThrow().quota()).isEqualTo(Quota.NONE);

    Quota quota = new Quota(1000L, null, 0L, 50L);
    assertThat(stores.users().setQuota(owner.id(), quota)).isTrue();
    assertThat(stores.users().quota(owner.id())).isEqualTo(quota);
    assertThat(stores.keys().findByHash(ApiKeys.hash(secret)).orElseThrow().quota()).isEqualTo(quota);
    assertThat(stores.keys().usable().get(ApiKeys.hash(secret)).quota()).isEqualTo(quota);

    assertThat(stores.users().setQuota(owner.id(), Quota.NONE)).isTrue();
    assertThat(stores.users().quota(owner.id())).isEqualTo(Quota.NONE);
    assertThat(stores.users().setQuota(999_999, quota)).isFalse();
    assertThat(stores.users().setQuota(owner.id(), quota)).isTrue();
    assertThat(stores.users().delete(owner.id())).isTrue();
    assertThat(stores.users().quota(owner.id())).isEqualTo(Quota.NONE);
  }

  @Test
  void selfServiceCapsAreStoredPerUserAndGoWithTheUser() {
    User owner = stores.users().create("caps-" + suffix(), null, Role.USER);
    assertThat(stores.users().caps(owner.id())).isEqualTo(UserCaps.NONE);

    UserCaps caps = new UserCaps(3, List.of("llama3*", "qwen:7b"), new KeyLimits(60L, null, 10_000L, 2L), 7200L);
    assertThat(stores.users().setCaps(owner.id(), caps)).isTrue();
    assertThat(stores.users().caps(owner.id())).isEqualTo(caps);
    UserCaps fewer = new UserCaps(null, List.of(), new KeyLimits(null, 100L, null, null), null);
    assertThat(stores.users().setCaps(owner.id(), fewer)).isTrue();
    assertThat(stores.users().caps(owner.id())).isEqualTo(fewer);

    assertThat(stores.users().setCaps(owner.id(), UserCaps.NONE)).isTrue();
    assertThat(stores.users().caps(owner.id())).isEqualTo(UserCaps.NONE);
    assertThat(stores.users().setCaps(999_999, caps)).isFalse();
    assertThat(stores.users().setCaps(owner.id(), caps)).isTrue();
    assertThat(stores.users().delete(owner.id())).isTrue();
    assertThat(stores.users().caps(owner.id())).isEqualTo(UserCaps.NONE);
  }

  @Test
  void revokedKeysAndKeysOfInactiveUsersAreNotUsable() {
    User owner = stores.users().create("dave-" + suffix(), null, Role.USER);
    String first = new ApiKeys().generate();
    String second = new ApiKeys().generate();
    ApiKey revoked = stores.keys().create(owner.id(), "a", ApiKeys.hash(first), ApiKeys.displayPrefix(first), null,
        List.of(), null);
    stores.keys().create(owner.id(), "b", ApiKeys.hash(second), ApiKeys.displayPrefix(second), null, List.of(), null);
    Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    ApiKey after = stores.keys().revoke(revoked.id(), at).orElseThrow();
    assertThat(after.revokedAt()).isEqualTo(at);
    assertThat(after.active()).isFalse();
    assertThat(after.status(Instant.now())).isEqualTo("revoked");
    assertThat(stores.keys().revoke(revoked.id(), at.plusSeconds(5)).orElseThrow().revokedAt()).isEqualTo(at);
    Map<String, KeyGrant> usable = stores.keys().usable();
    assertThat(usable).doesNotContainKey(ApiKeys.hash(first)).containsKey(ApiKeys.hash(second));

    stores.users().update(owner.withChanges(null, Role.USER, false));
    assertThat(stores.keys().usable()).doesNotContainKey(ApiKeys.hash(second));
    assertThat(stores.keys().revoke(987_654, at)).isEmpty();
  }

  @Test
  void deletingAUserDeletesTheirKeys() {
    User owner = stores.users().create("erin-" + suffix(), null, Role.USER);
    String secret = new ApiKeys().generate();
    ApiKey key = stores.keys().create(owner.id(), "a", ApiKeys.hash(secret), ApiKeys.displayPrefix(secret), null,
        List.of(), null);
    assertThat(stores.users().delete(owner.id())).isTrue();
    assertThat(stores.users().find(owner.id())).isEmpty();
    assertThat(stores.keys().find(key.id())).isEmpty();
    assertThat(stores.keys().findByHash(ApiKeys.hash(secret))).isEmpty();
    assertThat(stores.users().delete(owner.id())).isFalse();
  }

  @Test
  void lastUseTimesAreWrittenInBatchesAndNeverGoBack() {
    User owner = stores.users().create("frank-" + suffix(), null, Role.USER);
    String secret = new ApiKeys().generate();
    ApiKey key = stores.keys().create(owner.id(), "a", ApiKeys.hash(secret), ApiKeys.displayPrefix(secret), null,
        List.of(), null);
    long now = System.currentTimeMillis();
    stores.keys().touch(Map.of(key.id(), now));
    stores.keys().touch(Map.of(key.id(), now - 60_000));
    assertThat(stores.keys().find(key.id()).orElseThrow().lastUsedAt()).isEqualTo(Instant.ofEpochMilli(now));
  }

  @Test
  void theAuditLogListsNewestFirst() {
    String target = "user:" + suffix();
    stores.audit().record("key:1 (root)", "user.create", target, "name=x");
    stores.audit().record("key:1 (root)", "user.delete", target, null);
    List<AuditEntry> newest = stores.audit().list(2, null);
    assertThat(newest).extracting(AuditEntry::action).containsExactly("user.delete", "user.create");
    assertThat(newest.get(0).target()).isEqualTo(target);
    assertThat(newest.get(0).detail()).isNull();
    assertThat(stores.audit().list(10, newest.get(0).id())).extracting(AuditEntry::id)
        .contains(newest.get(1).id()).doesNotContain(newest.get(0).id());
  }

  @Test
  void reopeningAMigratedStoreIsANoOp() {
    try (Database again = Database.open(Optional.of(testDatabase.url()), Path.of("."))) {
      assertThat(Stores.of(again, Clock.systemUTC()).users().list()).isNotNull();
    }
  }

  @Test
  void aMigratedStoreIsJudgedCurrentSoThatReopeningItLeavesFlywayOut() throws Exception {
    // the checksums Migrations computes are the ones Flyway recorded: else every start would run Flyway
    try (java.sql.Connection c = database.dataSource().getConnection()) {
      assertThat(Migrations.state(Migrations.read(c))).isEqualTo(Migrations.State.CURRENT);
    }
  }

  @Test
  void anAppliedMigrationEditedSinceIsStillRefusedByFlywaysValidation() {
    TestDatabase other = newDatabase();
    try {
      Database.open(Optional.of(other.url()), Path.of(".")).close();
      other.execute("UPDATE schema_history SET checksum = checksum + 1 WHERE version = '3'");
      assertThatThrownBy(() -> Database.open(Optional.of(other.url()), Path.of(".")))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("checksum mismatch");
    } finally {
      other.close();
    }
  }

  @Test
  void aStoreNewerThanTheCodeRefusesToOpen() {
    TestDatabase other = newDatabase();
    try {
      Database.open(Optional.of(other.url()), Path.of(".")).close();
      other.execute("INSERT INTO schema_history (installed_rank, version, description, type, script, checksum, "
          + "installed_by, installed_on, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', "
          + "'V99__future.sql', 0, 'test', CURRENT_TIMESTAMP, 1, " + (other.isPostgres() ? "TRUE" : "1") + ")");
      assertThatThrownBy(() -> Database.open(Optional.of(other.url()), Path.of(".")))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("newer than this gateway");
    } finally {
      other.close();
    }
  }

  @Test
  void aStoreMigratedPastV5WithoutItTakesItAndCountsItsEarlierRequestsAsAdmitted() {
    TestDatabase other = newDatabase();
    try {
      Database.open(Optional.of(other.url()), Path.of(".")).close();
      // a store of a gateway that ran V7 before V5 was written: no admitted column, no V5 in its history
      other.execute("ALTER TABLE usage_hourly DROP COLUMN admitted");
      other.execute("DELETE FROM schema_history WHERE version = '5'");
      Instant hour = Instant.parse("2026-11-22T04:00:00Z");
      other.execute("INSERT INTO usage_hourly (hour, user_id, key_id, client, model, upstream, upstream_key_index, "
          + "requests, prompt_tokens, completion_tokens, estimated_tokens, errors, duration_ms, first_byte_ms) "
          + "VALUES (" + hour.toEpochMilli() + ", 7, 70, 'key:70', 'm', 'local', -1, 4, 10, 10, 0, 0, 5, 1)");
      try (Database upgraded = Database.open(Optional.of(other.url()), Path.of("."))) {
        JdbcUsageStore usage = new JdbcUsageStore(upgraded.dataSource());
        assertThat(usage.admitted(7L, null, hour, hour.plusSeconds(3600)))
            .as("rows from before V5 cannot tell refused requests apart: all count").isEqualTo(4);
        usage.add(List.of(new io.ollamagateway.usage.Rollup(new io.ollamagateway.usage.Rollup.Key(hour, 7L, 70L,
            "key:70", "m", "local", -1), 3, 0, 0, 0, 0, 0, 0, 1)));
        assertThat(usage.admitted(null, 70L, hour, hour.plusSeconds(3600))).isEqualTo(5);
        assertThat(usage.admitted(7L, null, hour.plusSeconds(3600), hour.plusSeconds(7200))).isZero();
      }
    } finally {
      other.close();
    }
  }

  private static String suffix() {
    return Long.toString(System.nanoTime(), 36);
  }
}
