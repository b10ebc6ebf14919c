package io.ollamagateway.server;

import io.ollamagateway.testing.TestDatabase;

/** {@link IdentityGatewayTest} on PostgreSQL. */
class PostgresIdentityGatewayTest extends IdentityGatewayTest {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
