package io.ollamagateway.policy;

import io.ollamagateway.auth.ModelAllowlist;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ResponseTap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Shows a key with a model allowlist only its models in the lists of models: {@code /api/tags},
 * {@code /api/ps} and {@code /v1/models}. Such an answer is small, so the tap buffers it whole, then writes
 * the filtered JSON when the upstream's answer ends (just before the forwarder ends the response). An answer
 * that cannot be parsed is replaced by an empty list rather than passed on unfiltered.
 *
 * <p>Taps run on the exchange's event loop; the factory is stateless.
 */
public final class ModelListFilter implements ResponseTap.Factory {

  @Override
  public ResponseTap open(Exchange exchange, int status, String contentType) {
    Principal principal = exchange.principal();
    if (status != 200 || principal == null || !principal.hasModelAllowlist()) {
      return ResponseTap.NONE;
    }
    Endpoint endpoint = exchange.endpoint();
    if (endpoint.kind() != Endpoint.Kind.LISTS_MODELS) {
      return ResponseTap.NONE;
    }
    boolean openAi = endpoint == Endpoint.OPENAI_MODELS;
    List<String> patterns = principal.models();
    return ResponseTap.whole(exchange, body -> filter(body, patterns, openAi).toBuffer());
  }

  private static JsonObject filter(Buffer body, List<String> patterns, boolean openAi) {
    String field = openAi ? "data" : "models";
    JsonObject answer;
    try {
      answer = new JsonObject(body);
    } catch (RuntimeException malformed) {
      answer = openAi ? new JsonObject().put("object", "list") : new JsonObject();
      answer.put(field, new JsonArray());
      return answer;
    }
    JsonArray kept = new JsonArray();
    JsonArray all = answer.getJsonArray(field, new JsonArray());
    for (Object item : all) {
      if (item instanceof JsonObject model && allowed(model, patterns, openAi)) {
        kept.add(model);
      }
    }
    return answer.put(field, kept);
  }

  private static boolean allowed(JsonObject model, List<String> patterns, boolean openAi) {
    String name = openAi ? model.getString("id") : model.getString("name", model.getString("model"));
    return name != null && ModelAllowlist.allows(patterns, name);
  }
}
