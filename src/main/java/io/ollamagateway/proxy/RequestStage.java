package io.ollamagateway.proxy;

import io.vertx.core.Future;

/**
 * A step of the pipeline between reading the body and routing: authorize, admit, prepare for metering. A
 * stage may refuse the request (a failed future carrying an {@link io.ollamagateway.api.ApiError}, answered
 * in the called API's shape) or rewrite its body ({@link Exchange#replaceBody}).
 *
 * <p>Called on the exchange's event loop; must not block.
 */
public interface RequestStage {

  Future<Void> apply(Exchange exchange);
}
