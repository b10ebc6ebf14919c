package io.ollamagateway.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StoreContractTest} on SQLite, and what only SQLite does: the default file, WAL mode. */
class SqliteStoreTest extends StoreContractTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }

  @Test
  void withoutDatabaseUrlTheStoreIsCreatedInDataGatewayDbInWalMode(@TempDir Path workDir) throws Exception {
    try (Database database = Database.open(Optional.empty(), workDir)) {
      assertThat(database.vendor()).isEqualTo(Database.Vendor.SQLITE);
      assertThat(Files.exists(workDir.resolve("data/gateway.db"))).isTrue();
      try (Connection c = database.dataSource().getConnection();
          ResultSet mode = c.createStatement().executeQuery("PRAGMA journal_mode")) {
        mode.next();
        assertThat(mode.getString(1)).isEqualToIgnoringCase("wal");
      }
    }
  }

  @Test
  void sqlitePathsAreRelativeToTheWorkingDirectory(@TempDir Path workDir) {
    try (Database database = Database.open(Optional.of("sqlite:stores/one.db"), workDir)) {
      assertThat(Files.exists(workDir.resolve("stores/one.db"))).isTrue();
      assertThat(database.description()).contains("one.db");
    }
  }

  @Test
  void anUnknownUrlIsRefusedWithTheFormsThatWork(@TempDir Path workDir) {
    assertThatThrownBy(() -> Database.open(Optional.of("mysql://localhost/x"), workDir))
        .isInstanceOf(StoreException.class).hasMessageContaining("postgresql://");
  }
}
