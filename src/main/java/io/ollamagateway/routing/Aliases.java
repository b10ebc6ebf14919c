package io.ollamagateway.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The table of model aliases, from the {@code aliases:} section of the config file:
 * <pre>
 * aliases:
 *   gpt-4o-mini: [cloud:gpt-oss:20b, local:llama3.2]
 * </pre>
 * Names match as Ollama matches model names: case-insensitively, with {@code :latest} implied when no tag is
 * given. Immutable; safe on any thread.
 */
public final class Aliases {

  /** No aliases. */
  public static final Aliases NONE = new Aliases(Map.of());

  private final Map<String, Alias> byName;

  private Aliases(Map<String, Alias> byName) {
    this.byName = byName;
  }

  /** A table of the given aliases; two that normalize to the same name are refused. */
  public static Aliases of(Collection<Alias> aliases) {
    Map<String, Alias> map = new LinkedHashMap<>();
    for (Alias alias : aliases) {
      if (map.put(normalize(alias.name()), alias) != null) {
        throw new IllegalArgumentException("alias '" + alias.name() + "' is defined twice");
      }
    }
    return new Aliases(Map.copyOf(map));
  }

  /**
   * Reads the {@code aliases:} mapping (alias name to a list of {@code upstream:model}); every target's
   * upstream must be one of {@code upstreams}.
   *
   * @throws IllegalArgumentException naming the alias and what is wrong
   */
  public static Aliases parse(JsonNode node, Set<String> upstreams) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return NONE;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("aliases: must be a mapping of alias name to a list of upstream:model");
    }
    List<Alias> aliases = new ArrayList<>();
    var fields = node.fields();
    while (fields.hasNext()) {
      var field = fields.next();
      String name = field.getKey().trim();
      if (name.isEmpty()) {
        throw new IllegalArgumentException("aliases: an alias name must not be empty");
      }
      JsonNode list = field.getValue();
      if (list.isTextual()) {
        list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(list.asText());
      }
      if (!list.isArray() || list.isEmpty()) {
        throw new IllegalArgumentException("aliases." + name + ": must be a non-empty list of upstream:model");
      }
      List<Alias.Target> targets = new ArrayList<>();
      for (JsonNode element : list) {
        if (!element.isTextual()) {
          throw new IllegalArgumentException("aliases." + name + ": each target is a string upstream:model");
        }
        Alias.Target target;
        try {
          target = Alias.Target.parse(element.asText().trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("aliases." + name + ": " + e.getMessage());
        }
        if (!upstreams.contains(target.upstream())) {
          throw new IllegalArgumentException("aliases." + name + ": upstream '" + target.upstream()
              + "' is not configured; known upstreams: " + String.join(", ", upstreams));
        }
        targets.add(target);
      }
      aliases.add(new Alias(name, targets));
    }
    return of(aliases);
  }

  /** The alias a requested model name is, or {@code null} when it names no alias. */
  public Alias find(String model) {
    if (model == null || byName.isEmpty()) {
      return null;
    }
    return byName.get(normalize(model));
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /** Every alias, sorted by name. */
  public List<Alias> all() {
    return byName.values().stream().sorted(java.util.Comparator.comparing(Alias::name)).toList();
  }

  /** The table as the admin API shows it. */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (Alias alias : all()) {
      JsonArray targets = new JsonArray();
      alias.targets().forEach(t -> targets.add(new JsonObject().put("upstream", t.upstream())
          .put("model", t.model())));
      list.add(new JsonObject().put("name", alias.name()).put("targets", targets));
    }
    return new JsonObject().put("aliases", list);
  }

  /** {@code Name} and {@code name:latest} are one model, as Ollama treats them. */
  static String normalize(String model) {
    String name = model.trim().toLowerCase(Locale.ROOT);
    return name.contains(":") ? name : name + ":latest";
  }
}
