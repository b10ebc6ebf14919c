package io.ollamagateway.usage;

import io.ollamagateway.testing.TestDatabase;

class SqliteUsageStoreTest extends UsageStoreTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }
}
