package io.ollamagateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ExchangeListener;
import io.ollamagateway.proxy.RequestStage;
import io.ollamagateway.usage.Usage;
import io.ollamagateway.usage.UsageRecorder;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

/** Each plug-in registered once lands in every role it implements, in the order it was registered. */
class PipelineTest {

  /** A listener and a recorder, as the usage ledger and the metrics are. */
  private static final class Both implements ExchangeListener, UsageRecorder {
    @Override
    public void onFinish(Exchange exchange, int status, String note) {
    }

    @Override
    public void record(Exchange exchange, Usage usage, Throwable error) {
    }
  }

  @Test
  void aPlugInIsSortedIntoEachOfItsRolesInRegistrationOrder() {
    Both first = new Both();
    Both second = new Both();
    RequestStage stage = exchange -> Future.succeededFuture();
    Pipeline pipeline = new Pipeline().add(first).stage(stage).add(second);
    assertThat(pipeline.listeners()).containsExactly(first, second);
    assertThat(pipeline.recorders()).containsExactly(first, second);
    assertThat(pipeline.stages()).containsExactly(stage);
  }

  @Test
  void anObjectOfNoRoleIsRefusedRatherThanLeftOut() {
    assertThatThrownBy(() -> new Pipeline().add("not a plug-in")).isInstanceOf(IllegalArgumentException.class);
  }
}
