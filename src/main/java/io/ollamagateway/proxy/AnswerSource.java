package io.ollamagateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * Answers a request without an upstream when it can (the embeddings cache): consulted after the stages
 * (authorization, admission) and before routing. A local answer goes through the same response taps as an
 * upstream's (metering counts it as a request), so it must be in the called API's shape.
 *
 * <p>Called on the exchange's event loop; must not block.
 */
public interface AnswerSource {

  /** Never answers. */
  AnswerSource NONE = exchange -> Future.succeededFuture();

  /**
   * A local answer, or {@code null} (in a succeeded future) to route the request; may rewrite the request's body
   * (to ask the upstream for less) and attach state to the exchange for its own response tap. Never fails: a
   * source that cannot tell routes the request.
   */
  Future<Local> lookup(Exchange exchange);

  /**
   * An answer made by the gateway.
   *
   * @param contentType its content type
   * @param body its body
   * @param note for the access log
   */
  record Local(String contentType, Buffer body, String note) {
  }
}
