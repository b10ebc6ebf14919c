package io.ollamagateway.embedcache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.metrics.GatewayMetrics;
import io.ollamagateway.proxy.AnswerSource;
import io.ollamagateway.proxy.Endpoint;
import io.ollamagateway.proxy.Exchange;
import io.ollamagateway.proxy.ResponseTap;
import io.ollamagateway.routing.Alias;
import io.ollamagateway.routing.AliasTable;
import io.ollamagateway.routing.ModelRewriter;
import io.ollamagateway.usage.TokenEstimator;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The embeddings cache in the pipeline (docs/embeddings-cache.md), for {@code /api/embed}, {@code /api/embeddings}
 * and {@code /v1/embeddings}:
 * <ul>
 *   <li>as an {@link AnswerSource}, after authorization and admission, it looks every input up; when all are
 *       held it answers at once, in the API's shape, with zero upstream tokens (the request still counts as one);
 *       when only some are, it asks the upstream for the missing inputs alone (not for an alias, whose fallback
 *       could mix two models' vectors: then it asks for all);</li>
 *   <li>as a {@link ResponseTap.Factory} (after metering, which counts the upstream's tokens for what it was
 *       asked) it reads the upstream's answer, stores its vectors, and sends the client the merged answer in the
 *       order of its inputs.</li>
 * </ul>
 * A key is the SHA-256 of everything that changes a vector: the tenant (unless {@code EMBED_CACHE_SHARED}), the
 * route, the model after alias resolution, the input and every other body field (options, truncate, dimensions,
 * encoding_format...) but {@code keep_alive}, {@code stream} and {@code user}. {@code X-Gateway-Cache: off} on a
 * request skips the cache both ways; answers say {@code X-Gateway-Cache: hit}, {@code partial} or {@code miss}.
 *
 * <p>Runs on the exchange's event loop; holds no per-request state outside the exchange's attachment.
 */
public final class EmbeddingCache implements AnswerSource, ResponseTap.Factory {

  /** The request header that opts out ({@code off}) and the answer header that says what the cache did. */
  public static final String HEADER = "X-Gateway-Cache";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> NOT_IN_KEY = Set.of("model", "input", "prompt", "keep_alive", "stream", "user");

  private final EmbeddingStore store;
  private final AliasTable aliases;
  private final boolean shared;
  private final TokenEstimator estimator;
  private final GatewayMetrics metrics;

  public EmbeddingCache(EmbeddingStore store, AliasTable aliases, boolean shared, TokenEstimator estimator,
      GatewayMetrics metrics) {
    this.store = store;
    this.aliases = aliases;
    this.shared = shared;
    this.estimator = estimator;
    this.metrics = metrics;
  }

  /** What a request still needs from the upstream, attached to its exchange. */
  private record Fill(Endpoint endpoint, List<String> inputs, List<String> keys, List<Buffer> found, boolean partial,
      boolean alias, String params, String scope) {
  }

  @Override
  public Future<Local> lookup(Exchange exchange) {
    Endpoint endpoint = exchange.endpoint();
    if (endpoint.kind() != Endpoint.Kind.EMBEDS || exchange.body() == null
        || "off".equalsIgnoreCase(exchange.request().getHeader(HEADER))) {
      return Future.succeededFuture();
    }
    if (!(exchange.body().tree() instanceof ObjectNode body)) {
      return Future.succeededFuture();
    }
    JsonNode input = body.get(endpoint == Endpoint.EMBEDDINGS ? "prompt" : "input");
    List<String> inputs = new ArrayList<>();
    if (input != null && input.isTextual()) {
      inputs.add(input.asText());
    } else if (input != null && input.isArray() && endpoint != Endpoint.EMBEDDINGS) {
      for (JsonNode each : input) {
        if (!each.isTextual()) {
          return Future.succeededFuture(); // token arrays: not cached
        }
        inputs.add(each.asText());
      }
    }
    if (inputs.isEmpty()) {
      return Future.succeededFuture();
    }
    Alias alias = aliases.get().find(exchange.model());
    if (alias != null && !exchange.principal().mayUse(alias.targets().get(0).model())) {
      return Future.succeededFuture(); // routing decides which target, if any, this key may have
    }
    String model = alias == null ? exchange.model() : alias.targets().get(0).model();
    String params = params(body);
    String scope = shared ? "*" : tenant(exchange.principal());
    List<String> keys = new ArrayList<>(inputs.size());
    for (String text : inputs) {
      keys.add(key(scope, endpoint, model, params, text));
    }
    return store.getAll(keys).map(found -> {
      int hits = 0;
      long cachedTokens = 0;
      for (int i = 0; i < found.size(); i++) {
        if (found.get(i) != null) {
          hits++;
          cachedTokens += estimator.count(inputs.get(i));
        }
      }
      metrics.embeddingCache(hits, inputs.size() - hits, cachedTokens);
      exchange.cachedTokens(hits == inputs.size() || alias == null ? cachedTokens : 0);
      if (hits == inputs.size()) {
        exchange.request().response().headers().set(HEADER, "hit");
        return new Local("application/json; charset=utf-8", answer(endpoint, exchange.model(), found),
            "embeddings cache: " + hits + " of " + hits + " inputs");
      }
      boolean partial = hits > 0 && alias == null;
      if (partial) {
        ArrayNode missing = JSON.createArrayNode();
        for (int i = 0; i < inputs.size(); i++) {
          if (found.get(i) == null) {
            missing.add(inputs.get(i));
          }
        }
        ObjectNode rewritten = body.deepCopy();
        rewritten.set("input", missing);
        exchange.replaceBody(Buffer.buffer(rewritten.toString()));
      }
      exchange.request().response().headers().set(HEADER, partial ? "partial" : "miss");
      exchange.attach(new Fill(endpoint, inputs, keys, found, partial, alias != null, params, scope));
      return null;
    });
  }

  @Override
  public ResponseTap open(Exchange exchange, int status, String contentType) {
    if (status != 200 || !(exchange.attachment() instanceof Fill fill)) {
      return ResponseTap.NONE;
    }
    return ResponseTap.whole(exchange, body -> {
      Buffer answer = complete(exchange, fill, body);
      // written past the taps after this one: an alias's answer names the alias here
      return exchange.alias() == null ? answer : new ModelRewriter(exchange.alias()).apply(answer);
    });
  }

  /** Stores the upstream's vectors and answers the merged answer (or the upstream's own, when nothing to merge). */
  private Buffer complete(Exchange exchange, Fill fill, Buffer upstream) {
    JsonObject answer;
    try {
      answer = new JsonObject(upstream);
    } catch (RuntimeException notJson) {
      return upstream;
    }
    // an OpenAI-compatible upstream answered a native /api/embed in its own shape: this tap consumed the answer,
    // so it answers in the native shape itself (the translation tap outside it has nothing left to translate)
    boolean openAiShape = fill.endpoint() == Endpoint.EMBED && answer.getValue("embeddings") == null
        && answer.getValue("data") != null;
    List<Object> vectors = vectors(openAiShape ? Endpoint.OPENAI_EMBEDDINGS : fill.endpoint(), answer);
    int expected = fill.partial() ? (int) fill.found().stream().filter(f -> f == null).count() : fill.inputs().size();
    if (vectors == null || vectors.size() != expected) {
      return upstream; // not what was asked for: passed on, not stored
    }
    Map<String, Buffer> put = new LinkedHashMap<>();
    List<Buffer> merged = new ArrayList<>(fill.inputs().size());
    int next = 0;
    String served = fill.alias() ? exchange.targetModel() : null;
    for (int i = 0; i < fill.inputs().size(); i++) {
      if (fill.partial() && fill.found().get(i) != null) {
        merged.add(fill.found().get(i));
        continue;
      }
      Object vector = vectors.get(next++);
      if (!(vector instanceof JsonArray array)) {
        return upstream; // base64 vectors: passed on, not stored
      }
      Buffer text = Buffer.buffer(array.encode());
      merged.add(text);
      String key = served == null ? fill.keys().get(i)
          : key(fill.scope(), fill.endpoint(), served, fill.params(), fill.inputs().get(i));
      put.put(key, text);
    }
    store.putAll(put);
    if (openAiShape) {
      JsonArray embeddings = new JsonArray();
      merged.forEach(v -> embeddings.add(new JsonArray(v)));
      JsonObject usage = answer.getJsonObject("usage", new JsonObject());
      return new JsonObject().put("model", exchange.model()).put("embeddings", embeddings)
          .put("prompt_eval_count", usage.getLong("prompt_tokens", 0L)).toBuffer();
    }
    if (!fill.partial()) {
      return upstream;
    }
    if (fill.endpoint() == Endpoint.OPENAI_EMBEDDINGS) {
      JsonArray data = new JsonArray();
      for (int i = 0; i < merged.size(); i++) {
        data.add(new JsonObject().put("object", "embedding").put("embedding", new JsonArray(merged.get(i)))
            .put("index", i));
      }
      return answer.put("data", data).toBuffer();
    }
    JsonArray embeddings = new JsonArray();
    merged.forEach(v -> embeddings.add(new JsonArray(v)));
    return answer.put("embeddings", embeddings).toBuffer();
  }

  private static List<Object> vectors(Endpoint endpoint, JsonObject answer) {
    switch (endpoint) {
      case EMBEDDINGS -> {
        Object one = answer.getValue("embedding");
        return one == null ? null : List.of(one);
      }
      case OPENAI_EMBEDDINGS -> {
        JsonArray data = answer.getJsonArray("data");
        if (data == null) {
          return null;
        }
        Object[] ordered = new Object[data.size()];
        for (int i = 0; i < data.size(); i++) {
          JsonObject item = data.getJsonObject(i);
          int index = item.getInteger("index", i);
          if (index < 0 || index >= ordered.length || ordered[index] != null) {
            return null;
          }
          ordered[index] = item.getValue("embedding");
        }
        return java.util.Arrays.asList(ordered);
      }
      default -> {
        JsonArray embeddings = answer.getJsonArray("embeddings");
        return embeddings == null ? null : embeddings.getList().stream().map(v -> v instanceof List<?> l
            ? (Object) new JsonArray(new ArrayList<>(l)) : v).toList();
      }
    }
  }

  /** A whole answer from the cache, in the route's shape, with no upstream tokens. */
  private static Buffer answer(Endpoint endpoint, String model, List<Buffer> vectors) {
    Buffer out = Buffer.buffer();
    String name = new JsonArray().add(model).encode(); // the model as a JSON string, in brackets
    name = name.substring(1, name.length() - 1);
    switch (endpoint) {
      case EMBEDDINGS -> out.appendString("{\"embedding\":").appendBuffer(vectors.get(0))
          .appendString(",\"prompt_eval_count\":0}");
      case OPENAI_EMBEDDINGS -> {
        out.appendString("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < vectors.size(); i++) {
          out.appendString(i == 0 ? "" : ",").appendString("{\"object\":\"embedding\",\"embedding\":")
              .appendBuffer(vectors.get(i)).appendString(",\"index\":" + i + "}");
        }
        out.appendString("],\"model\":" + name + ",\"usage\":{\"prompt_tokens\":0,\"total_tokens\":0}}");
      }
      default -> {
        out.appendString("{\"model\":" + name + ",\"embeddings\":[");
        for (int i = 0; i < vectors.size(); i++) {
          out.appendString(i == 0 ? "" : ",").appendBuffer(vectors.get(i));
        }
        out.appendString("],\"total_duration\":0,\"load_duration\":0,\"prompt_eval_count\":0}");
      }
    }
    return out;
  }

  /** Every body field that changes the vectors, as canonical JSON (keys sorted, at every depth). */
  private static String params(ObjectNode body) {
    Map<String, Object> fields = new TreeMap<>();
    body.properties().forEach(e -> {
      if (!NOT_IN_KEY.contains(e.getKey())) {
        fields.put(e.getKey(), canonical(e.getValue()));
      }
    });
    return fields.toString();
  }

  private static Object canonical(JsonNode node) {
    if (node.isObject()) {
      Map<String, Object> sorted = new TreeMap<>();
      node.properties().forEach(e -> sorted.put(e.getKey(), canonical(e.getValue())));
      return sorted;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(n -> list.add(canonical(n)));
      return list;
    }
    return node.toString(); // JSON text of a scalar: "1" and 1 stay different
  }

  private static String tenant(Principal principal) {
    if (principal == null) {
      return "anonymous";
    }
    return principal.userId() != null ? "user:" + principal.userId() : principal.clientId();
  }

  private static String key(String scope, Endpoint endpoint, String model, String params, String input) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
    for (String part : new String[] {scope, endpoint == Endpoint.EMBEDDINGS ? "legacy" : "embed",
        normalize(model), params, input}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
      sha.update((byte) ':');
      sha.update(bytes);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String normalize(String model) {
    String name = model.trim().toLowerCase(Locale.ROOT);
    return name.contains(":") ? name : name + ":latest";
  }
}
