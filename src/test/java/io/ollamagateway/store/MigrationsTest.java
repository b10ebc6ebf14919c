package io.ollamagateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ollamagateway.store.Migrations.Applied;
import io.ollamagateway.store.Migrations.State;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link Migrations}: its list is the migration directory, and a history is judged current only when it holds
 * exactly those files, applied and unchanged. (That its checksums are Flyway's is checked on real stores, in
 * {@link StoreContractTest}.)
 */
class MigrationsTest {

  @Test
  void theListNamesEveryFileOfTheMigrationDirectoryInVersionOrder() throws Exception {
    List<String> onDisk;
    try (Stream<Path> files = Files.list(Path.of("src/main/resources", Migrations.LOCATION))) {
      onDisk = files.map(f -> f.getFileName().toString()).sorted().toList();
    }
    assertThat(Migrations.FILES)
        .as("a migration added to src/main/resources/db/migration must be added to Migrations.FILES too")
        .containsExactlyInAnyOrderElementsOf(onDisk);
    List<List<BigInteger>> versions = Migrations.FILES.stream().map(Migrations::version).toList();
    for (int i = 1; i < versions.size(); i++) {
      assertThat(versions.get(i).get(0)).isGreaterThan(versions.get(i - 1).get(0));
    }
    assertThat(Migrations.version("V11__alias_targets_cached_tokens.sql")).containsExactly(BigInteger.valueOf(11));
    assertThat(Migrations.version("V1_2__x.sql")).containsExactly(BigInteger.ONE, BigInteger.TWO);
  }

  @Test
  void aHistoryIsCurrentOnlyWithEveryFileAppliedUnchangedAndNothingElse() {
    assertThat(Migrations.state(Optional.empty())).isEqualTo(State.EMPTY);
    assertThat(Migrations.state(Optional.of(all()))).isEqualTo(State.CURRENT);
    // Flyway's own rows without a version (a schema it created, repeatable migrations) do not count
    List<Applied> withSchemaRow = all();
    withSchemaRow.add(0, new Applied(null, "<< Flyway Schema Creation >>", null, true));
    assertThat(Migrations.state(Optional.of(withSchemaRow))).isEqualTo(State.CURRENT);

    assertThat(Migrations.state(Optional.of(List.of()))).isEqualTo(State.OTHER);
    List<Applied> missing = all();
    missing.remove(4);
    assertThat(Migrations.state(Optional.of(missing))).as("V5 not applied").isEqualTo(State.OTHER);
    List<Applied> failed = all();
    Applied last = failed.remove(failed.size() - 1);
    failed.add(new Applied(last.version(), last.script(), last.checksum(), false));
    assertThat(Migrations.state(Optional.of(failed))).isEqualTo(State.OTHER);
    List<Applied> edited = all();
    Applied first = edited.remove(0);
    edited.add(new Applied(first.version(), first.script(), first.checksum() + 1, true));
    assertThat(Migrations.state(Optional.of(edited))).as("checksum differs").isEqualTo(State.OTHER);
    List<Applied> unknown = all();
    unknown.add(new Applied("6", "V6__elsewhere.sql", 1, true));
    assertThat(Migrations.state(Optional.of(unknown))).as("a version this jar lacks").isEqualTo(State.OTHER);

    List<Applied> newer = all();
    newer.add(new Applied("12", "V12__later.sql", 1, true));
    assertThat(Migrations.state(Optional.of(newer))).isEqualTo(State.NEWER);
    assertThat(Migrations.highest(newer)).contains("12");
    List<Applied> newerFailed = all();
    newerFailed.add(new Applied("11.1", "V11_1__later.sql", 1, false));
    assertThat(Migrations.state(Optional.of(newerFailed))).isEqualTo(State.NEWER);
  }

  private static List<Applied> all() {
    List<Applied> rows = new ArrayList<>();
    for (String file : Migrations.FILES) {
      String version = file.substring(1, file.indexOf("__"));
      rows.add(new Applied(version, file, Migrations.checksum(file), true));
    }
    return rows;
  }
}
