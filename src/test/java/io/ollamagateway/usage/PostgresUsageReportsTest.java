package io.ollamagateway.usage;

import io.ollamagateway.testing.TestDatabase;

class PostgresUsageReportsTest extends UsageReportsTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
