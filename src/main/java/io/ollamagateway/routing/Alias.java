package io.ollamagateway.routing;

import java.util.List;

/**
 * A public model name and the ordered targets that serve it: {@code gpt-4o-mini -> [cloud:gpt-oss:20b,
 * local:llama3.2]}. Immutable.
 *
 * @param name the name clients use, as configured
 * @param targets where it goes, first choice first; never empty
 */
public record Alias(String name, List<Target> targets) {

  public Alias {
    targets = List.copyOf(targets);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("alias '" + name + "' has no targets");
    }
  }

  /**
   * One target of an alias: a configured upstream and the model name that upstream knows.
   *
   * @param upstream the upstream's configured name
   * @param model the model as sent to that upstream
   */
  public record Target(String upstream, String model) {

    /** Parses {@code upstream:model}; the model may itself contain colons ({@code cloud:gpt-oss:20b}). */
    public static Target parse(String text) {
      int colon = text.indexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new IllegalArgumentException("'" + text + "' is not upstream:model, e.g. local:llama3.2");
      }
      return new Target(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
    }

    @Override
    public String toString() {
      return upstream + ":" + model;
    }
  }
}
