package io.ollamagateway.usage;

import io.ollamagateway.testing.TestDatabase;

class SqliteUsageReportsTest extends UsageReportsTest {

  @Override
  protected TestDatabase newDatabase() {
    return TestDatabase.sqlite();
  }
}
