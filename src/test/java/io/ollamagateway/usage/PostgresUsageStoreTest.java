package io.ollamagateway.usage;

import io.ollamagateway.testing.TestDatabase;

class PostgresUsageStoreTest extends UsageStoreTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
