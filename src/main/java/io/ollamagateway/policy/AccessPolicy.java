package io.ollamagateway.policy;

import io.ollamagateway.api.ApiError;
import io.ollamagateway.auth.ModelAllowlist;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.vertx.core.Future;
import java.util.Map;

/**
 * Which models an authenticated caller may name, decided once the body has been read: a key with a model
 * allowlist may name only those models, in every model field of the route ({@link Endpoint#modelFields()}:
 * {@code model}, {@code name}, {@code source} and {@code destination}, {@code from}), on every route family,
 * and in the path of {@code /v1/models/{id}}. A route whose model the gateway cannot read (a streamed audio
 * upload) is refused to such a key. Who may call a route at all is the endpoint table's, checked by the
 * proxy before the body is read; lists of models are filtered by {@link ModelListFilter}.
 *
 * <p>Stateless; runs on the exchange's event loop.
 */
public final class AccessPolicy {

  private AccessPolicy() {
  }

  /** Completes when the exchange may go on; fails with a 403 {@link ApiError} otherwise. */
  public static Future<Void> check(Exchange exchange) {
    Principal principal = exchange.principal();
    if (!principal.hasModelAllowlist()) {
      return Future.succeededFuture();
    }
    Endpoint endpoint = exchange.endpoint();
    // A streamed upload is still on its way and will not be read: the connection cannot be reused.
    Map<String, String> headers = endpoint.streamedBody() ? Map.of("Connection", "close") : Map.of();
    if (endpoint.modelsUnread()) {
      return Future.failedFuture(new ApiError(403, exchange.path() + " names its model inside an upload the "
          + "gateway does not read, so this API key's model allowlist could not be enforced there", headers));
    }
    if (endpoint == Endpoint.OPENAI_MODEL) {
      return allowed(principal, endpoint.pathParameter(exchange.path()), headers);
    }
    if (exchange.body() != null) {
      for (String model : exchange.body().models().values()) {
        Future<Void> checked = allowed(principal, model, headers);
        if (checked.failed()) {
          return checked;
        }
      }
    }
    return Future.succeededFuture();
  }

  private static Future<Void> allowed(Principal principal, String model, Map<String, String> headers) {
    if (model.isEmpty() || ModelAllowlist.allows(principal.models(), model)) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new ApiError(403, "model '" + model + "' is not allowed for this API key", headers));
  }
}
