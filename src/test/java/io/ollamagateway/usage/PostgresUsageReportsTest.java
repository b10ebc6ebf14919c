package io.ollamagateway.usage;

import io.ollamagateway.testing.TestDatabase;

class PostgresUsageReportsTest extends UsageReportsTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
