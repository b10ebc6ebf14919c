package io.ollamagateway.limits;

import io.ollamagateway.testing.TestDatabase;
import java.util.Map;

/** The quotas contract on the embedded default: SQLite, counters in this process, no Redis. */
class QuotasSqliteTest extends QuotasContract {

  @Override
  TestDatabase database() {
    return TestDatabase.sqlite();
  }

  @Override
  Map<String, String> settings() {
    return Map.of();
  }
}
