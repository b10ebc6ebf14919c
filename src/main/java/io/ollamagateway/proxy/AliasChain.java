package io.ollamagateway.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ollamagateway.auth.Principal;
import io.ollamagateway.routing.Alias;
import io.ollamagateway.routing.Aliases;
import io.ollamagateway.upstream.UpstreamSelector;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The targets one request for an alias may go to, in the order they are tried: the alias's targets whose model
 * the caller's allowlist allows (the alias itself was checked by the access policy, like any model), those that
 * are available now (healthy, serving the model, with a free slot) first, in configured order, then the others,
 * which may still answer (a failed health check must not stop traffic that might work).
 *
 * <p>One per exchange; confined to its event loop.
 */
final class AliasChain {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String requested;
  private final List<Alias.Target> targets;
  private int index;

  private AliasChain(String requested, List<Alias.Target> targets) {
    this.requested = requested;
    this.targets = targets;
  }

  /** The chain for a caller, or {@code null} when its allowlist allows none of the alias's targets. */
  static AliasChain plan(Alias alias, Principal principal, UpstreamSelector selector) {
    List<Alias.Target> ready = new ArrayList<>();
    List<Alias.Target> later = new ArrayList<>();
    for (Alias.Target target : alias.targets()) {
      if (!principal.mayUse(target.model())) {
        continue;
      }
      (selector.available(target.upstream(), target.model()) ? ready : later).add(target);
    }
    ready.addAll(later);
    return ready.isEmpty() ? null : new AliasChain(alias.name(), List.copyOf(ready));
  }

  Alias.Target current() {
    return targets.get(index);
  }

  boolean hasNext() {
    return index + 1 < targets.size();
  }

  void advance() {
    index++;
  }

  /**
   * Points the exchange at the current target: the body's model fields that name the alias name the target's
   * model instead, and the answer will be rewritten back to the name the client used.
   */
  void retarget(Exchange exchange) {
    String asked = exchange.model();
    Alias.Target target = current();
    JsonNode tree = exchange.body().tree();
    if (tree instanceof ObjectNode object) {
      ObjectNode copy = object.deepCopy();
      for (String field : exchange.endpoint().modelFields()) {
        JsonNode value = copy.get(field);
        // the alias, or the previous target's model when this is a fallback
        if (value != null && value.isTextual()
            && (value.asText().equals(asked) || value.asText().equals(exchange.targetModel()))) {
          copy.put(field, target.model());
        }
      }
      try {
        exchange.replaceBody(Buffer.buffer(JSON.writeValueAsBytes(copy)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("Jackson cannot write a tree it has read", e);
      }
    }
    exchange.aliasTarget(asked == null ? requested : asked, target.model());
  }

  /**
   * The upstreams' models with the aliases added that the caller may use (the alias and at least one of its
   * targets allowed), as {@code /api/tags} entries sorted by name. An alias's entry is its first target's, renamed,
   * when the catalogue has it.
   */
  static List<JsonObject> listed(List<JsonObject> models, Aliases aliases, Principal principal) {
    Map<String, JsonObject> byName = new LinkedHashMap<>();
    for (JsonObject model : models) {
      byName.put(model.getString("name", model.getString("model", "")), model);
    }
    for (Alias alias : aliases.all()) {
      if (!principal.mayUse(alias.name())
          || alias.targets().stream().noneMatch(t -> principal.mayUse(t.model()))) {
        continue;
      }
      JsonObject base = byName.get(alias.targets().get(0).model());
      JsonObject entry = base == null ? new JsonObject().put("modified_at", "1970-01-01T00:00:00Z").put("size", 0L)
          .put("digest", "").put("details", new JsonObject()) : base.copy();
      byName.put(alias.name(), entry.put("name", alias.name()).put("model", alias.name()));
    }
    return byName.values().stream()
        .sorted(Comparator.comparing(e -> e.getString("name", e.getString("model", "")))).toList();
  }
}
