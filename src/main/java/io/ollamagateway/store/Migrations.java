package io.ollamagateway.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The schema migrations this gateway carries ({@code src/main/resources/db/migration}), named here and nowhere
 * else, and what a store's history ({@code schema_history}, Flyway's table) says of them, read with plain JDBC.
 *
 * <p>Flyway is given exactly these files (it does not scan the class path for them), and only when the store
 * needs it: a store whose history holds each of them, applied successfully with the checksum Flyway computes of
 * the file, and nothing else, is opened without loading Flyway at all (about 430 classes and a quarter of the
 * start-up's main thread, issue 27). Anything else (a new store, one to upgrade, a failed or edited migration, a
 * version this gateway does not know) goes to Flyway, which migrates, validates and reports as it always did.
 * {@code MigrationsTest} fails when a file is added to the directory and not to {@link #FILES}.
 *
 * <p>Stateless; {@link #read} blocks on the connection it is given.
 */
final class Migrations {

  /** Where the files are on the class path. */
  static final String LOCATION = "db/migration";

  /**
   * Every migration file, oldest first. Numbers follow the plan, not the merges (V6, V8 and V9 were never
   * written), and Flyway runs out of order: a store at V7 still takes V5.
   */
  static final List<String> FILES = List.of(
      "V1__identity.sql",
      "V2__usage.sql",
      "V3__limits.sql",
      "V4__passwords.sql",
      "V5__admitted_requests.sql",
      "V7__request_ids.sql",
      "V10__self_service.sql",
      "V11__alias_targets_cached_tokens.sql");

  /** The history table's name, as Flyway is told to create it. */
  static final String HISTORY_TABLE = "schema_history";

  private Migrations() {
  }

  /** What a store's history holds. */
  enum State {
    /** No history table: a new store. */
    EMPTY,
    /** Every migration of {@link #FILES} applied successfully, unchanged, and no other. */
    CURRENT,
    /** A version newer than the newest of {@link #FILES} was applied (or tried): a newer gateway's store. */
    NEWER,
    /** Anything else: migrations to apply, a failed one, an edited one, one this gateway does not have. */
    OTHER
  }

  /** One row of the history. */
  record Applied(String version, String script, Integer checksum, boolean success) {
  }

  /** The history of the store behind {@code c}, or empty when it has no history table. */
  static Optional<List<Applied>> read(Connection c) throws SQLException {
    try (ResultSet tables = c.getMetaData().getTables(c.getCatalog(), c.getSchema(), HISTORY_TABLE, null)) {
      boolean found = false;
      while (tables.next()) {
        found |= HISTORY_TABLE.equalsIgnoreCase(tables.getString("TABLE_NAME"));
      }
      if (!found) {
        return Optional.empty();
      }
    }
    List<Applied> rows = new ArrayList<>();
    try (Statement statement = c.createStatement();
        ResultSet row = statement.executeQuery("SELECT version, script, checksum, success FROM " + HISTORY_TABLE)) {
      while (row.next()) {
        int checksum = row.getInt(3);
        rows.add(new Applied(row.getString(1), row.getString(2), row.wasNull() ? null : checksum, row.getBoolean(4)));
      }
    }
    return Optional.of(rows);
  }

  /** Where a store with this history stands against {@link #FILES}. */
  static State state(Optional<List<Applied>> history) {
    if (history.isEmpty()) {
      return State.EMPTY;
    }
    try {
      return stateOf(history.get());
    } catch (NumberFormatException e) {
      return State.OTHER; // not a version Flyway would write: Flyway says what is wrong
    }
  }

  private static State stateOf(List<Applied> history) {
    List<Applied> versioned = history.stream().filter(a -> a.version() != null).toList();
    List<BigInteger> newest = version(FILES.get(FILES.size() - 1));
    if (versioned.stream().anyMatch(a -> compare(parse(a.version()), newest) > 0)) {
      return State.NEWER;
    }
    if (versioned.size() != FILES.size()) {
      return State.OTHER;
    }
    Map<List<BigInteger>, Applied> byVersion = new HashMap<>();
    versioned.forEach(a -> byVersion.put(parse(a.version()), a));
    for (String file : FILES) {
      Applied applied = byVersion.get(version(file));
      if (applied == null || !applied.success() || !file.equals(applied.script()) || applied.checksum() == null
          || applied.checksum() != checksum(file)) {
        return State.OTHER;
      }
    }
    return State.CURRENT;
  }

  /** The highest version in a history, for messages; empty when it has none. */
  static Optional<String> highest(List<Applied> history) {
    return history.stream().map(Applied::version).filter(v -> v != null)
        .max(Comparator.comparing(Migrations::parse, Migrations::compare));
  }

  /**
   * The checksum Flyway records for a SQL migration: a CRC-32 over the UTF-8 bytes of each line, without its
   * line break (and without a byte-order mark on the first), of the file as written (placeholders unreplaced).
   */
  static int checksum(String file) {
    CRC32 crc = new CRC32();
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream(LOCATION + "/" + file)) {
      if (in == null) {
        throw new StoreException("migration " + file + " is missing from the gateway's jar");
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line = lines.readLine();
      if (line != null && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      for (; line != null; line = lines.readLine()) {
        crc.update(line.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return (int) crc.getValue();
  }

  /** {@code V11__alias_targets.sql} to [11]; {@code V1_2__x.sql} to [1, 2] (Flyway's version of a file). */
  static List<BigInteger> version(String file) {
    return parse(file.substring(1, file.indexOf("__")).replace('_', '.'));
  }

  private static List<BigInteger> parse(String version) {
    return Arrays.stream(version.split("\\.")).map(BigInteger::new).toList();
  }

  /** Flyway's order of versions: part by part, a missing part counting as 0 (1.0 = 1). */
  private static int compare(List<BigInteger> a, List<BigInteger> b) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      int c = (i < a.size() ? a.get(i) : BigInteger.ZERO).compareTo(i < b.size() ? b.get(i) : BigInteger.ZERO);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
