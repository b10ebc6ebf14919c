package io.ollamagateway.policy;

import io.ollamagateway.auth.ModelAllowlist;
import io.ollamagateway.api.ApiError;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.vertx.core.Future;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What an authenticated caller may call, decided once the body has been read: only admins manage models
 * (pull, push, create, copy, delete, blobs), and a key with a model allowlist may name only those models, on
 * every route family (native, OpenAI, Anthropic; the model comes from the body, or from the path of
 * {@code /v1/models/{id}}). Lists of models are filtered by {@link ModelListFilter}.
 *
 * <p>Stateless; runs on the exchange's event loop.
 */
public final class AccessPolicy {

  private AccessPolicy() {
  }

  /** Completes when the exchange may go on; fails with a 403 {@link ApiError} otherwise. */
  public static Future<Void> check(Exchange exchange) {
    Principal principal = exchange.principal();
    Endpoint endpoint = exchange.endpoint();
    if (endpoint.adminOnly() && !principal.isAdmin()) {
      // A streamed upload is still on its way and will not be read: the connection cannot be reused.
      Map<String, String> headers = endpoint.streamedBody() ? Map.of("Connection", "close") : Map.of();
      return Future.failedFuture(new ApiError(403, "only admins may call " + exchange.path()
          + " (model management); your key's role is 'user'", headers));
    }
    if (!principal.hasModelAllowlist()) {
      return Future.succeededFuture();
    }
    String model = exchange.model();
    if (model == null && endpoint == Endpoint.OPENAI_MODELS && exchange.path().startsWith("/v1/models/")) {
      model = URLDecoder.decode(exchange.path().substring("/v1/models/".length()), StandardCharsets.UTF_8);
    }
    if (model != null && !ModelAllowlist.allows(principal.models(), model)) {
      Map<String, String> headers = endpoint.streamedBody() ? Map.of("Connection", "close") : Map.of();
      return Future.failedFuture(new ApiError(403, "model '" + model + "' is not allowed for this API key",
          headers));
    }
    return Future.succeededFuture();
  }
}
