package io.ollamagateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.cdimascio.dotenv.Dotenv;
import io.github.cdimascio.dotenv.DotenvEntry;
import io.github.cdimascio.dotenv.DotenvException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The raw, layered settings of one start-up, before they are given meaning by {@link ConfigLoader}.
 *
 * <p>Each setting has one canonical name, the environment variable's ({@code OLLAMA_URL}). Sources, strongest
 * first: command-line options, environment variables, the {@code .env} file of the working directory,
 * {@code config/config.yaml} (top-level keys in any case: {@code ollama_url} or {@code OLLAMA_URL}), defaults.
 * A YAML list is read as a comma-separated value. Nested YAML sections stay available as a tree through
 * {@link #yaml()} for settings that are structured (upstream lists).
 *
 * <p>Thread-safe once built. The values never change; the names asked for through {@link #get} are remembered
 * (a concurrent set), so that {@link #unread} can tell which given settings nothing read.
 */
public final class Settings {

  /** Where a value came from, for error messages. */
  public enum Source {
    COMMAND_LINE("command line"), ENVIRONMENT("environment"), DOTENV(".env file"), YAML("config file");

    private final String label;

    Source(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** One resolved value and its origin. */
  public record Value(String name, String value, Source source) {
    /** {@code NAME (from environment)}, never the value: values can be secrets. */
    public String describe() {
      return name + " (from " + source + ")";
    }
  }

  private final Map<String, Value> values;
  private final JsonNode yaml;
  private final Path configFile;
  private final Set<String> asked = ConcurrentHashMap.newKeySet();

  private Settings(Map<String, Value> values, JsonNode yaml, Path configFile) {
    this.values = values;
    this.yaml = yaml;
    this.configFile = configFile;
  }

  /**
   * Reads every source.
   *
   * @param commandLine settings given as options, by canonical name
   * @param environment the process environment (tests pass their own)
   * @param workDir the directory holding {@code .env} and, by default, {@code config/config.yaml}
   * @param configFile an explicit config file; it must then exist. {@code null} means the default path,
   *     which may be absent
   * @throws ConfigException when a file exists but cannot be read or parsed
   */
  public static Settings load(
      Map<String, String> commandLine, Map<String, String> environment, Path workDir, Path configFile) {
    Map<String, Value> values = new HashMap<>();
    boolean explicit = configFile != null;
    Path yamlPath = explicit ? configFile : workDir.resolve("config/config.yaml");
    JsonNode yaml = readYaml(yamlPath, explicit);
    yaml.fields().forEachRemaining(field -> {
      JsonNode node = field.getValue();
      String text = scalarOrList(node);
      if (text != null) {
        String name = field.getKey().toUpperCase(Locale.ROOT);
        values.put(name, new Value(name, text, Source.YAML));
      }
    });
    readDotenv(workDir).forEach((name, value) -> values.put(name, new Value(name, value, Source.DOTENV)));
    environment.forEach((name, value) -> values.put(name, new Value(name, value, Source.ENVIRONMENT)));
    commandLine.forEach((name, value) -> values.put(name, new Value(name, value, Source.COMMAND_LINE)));
    return new Settings(Map.copyOf(values), yaml, yamlPath);
  }

  /** Only the given values, as if from the command line; for tests and tools. */
  public static Settings of(Map<String, String> values) {
    Map<String, Value> map = new LinkedHashMap<>();
    values.forEach((k, v) -> map.put(k, new Value(k, v, Source.COMMAND_LINE)));
    return new Settings(Map.copyOf(map), MissingNode.getInstance(), null);
  }

  /** The value of a setting, if any source gave a non-blank one. */
  public Optional<Value> get(String name) {
    asked.add(name);
    Value value = values.get(name);
    return value == null || value.value().isBlank() ? Optional.empty() : Optional.of(value);
  }

  /**
   * The settings given a non-blank value by a source but never asked for through {@link #get} so far, sorted by name. Meaningful
   * after the loader has read everything ({@link ConfigLoader#load}, {@link ConfigLoader#logging}).
   */
  public List<Value> unread() {
    // a blank value sets nothing (docker compose passes unset settings as empty strings)
    return values.values().stream().filter(v -> !asked.contains(v.name()) && !v.value().isBlank())
        .sorted(java.util.Comparator.comparing(Value::name)).toList();
  }

  /** Every name asked for through {@link #get} so far (known settings, whether given or not), sorted. */
  public List<String> askedNames() {
    return asked.stream().sorted().toList();
  }

  /**
   * The non-blank settings whose names start with {@code prefix} ({@code OTEL_}), by name: settings that a
   * library reads by its own standard names, such as the OpenTelemetry SDK's.
   */
  public Map<String, String> withPrefix(String prefix) {
    Map<String, String> found = new HashMap<>();
    values.forEach((name, value) -> {
      if (name.startsWith(prefix) && !value.value().isBlank()) {
        asked.add(name); // read by the library: not an unknown setting to warn about
        found.put(name, value.value());
      }
    });
    return Map.copyOf(found);
  }

  /** The whole YAML document ({@code MissingNode} when there is none). */
  public JsonNode yaml() {
    return yaml;
  }

  /** The YAML file that was (or would have been) read, for messages. */
  public Optional<Path> configFile() {
    return Optional.ofNullable(configFile);
  }

  private static JsonNode readYaml(Path path, boolean required) {
    if (!Files.exists(path)) {
      if (required) {
        throw new ConfigException("--config: file " + path + " does not exist");
      }
      return MissingNode.getInstance();
    }
    try {
      JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
      if (node == null || node.isMissingNode() || node.isNull()) {
        return MissingNode.getInstance();
      }
      if (!node.isObject()) {
        throw new ConfigException("config file " + path + ": expected a mapping of settings at the top level");
      }
      return node;
    } catch (IOException e) {
      throw new ConfigException("config file " + path + " cannot be read: " + firstLine(e.getMessage()));
    }
  }

  private static Map<String, String> readDotenv(Path workDir) {
    if (!Files.exists(workDir.resolve(".env"))) {
      return Map.of();
    }
    try {
      Map<String, String> map = new HashMap<>();
      Dotenv dotenv = Dotenv.configure().directory(workDir.toString()).load();
      for (DotenvEntry entry : dotenv.entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)) {
        map.put(entry.getKey(), entry.getValue());
      }
      return map;
    } catch (DotenvException e) {
      throw new ConfigException(".env file in " + workDir + " cannot be read: " + firstLine(e.getMessage()));
    }
  }

  private static String scalarOrList(JsonNode node) {
    if (node.isValueNode()) {
      return node.isNull() ? null : node.asText();
    }
    if (node.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        JsonNode element = it.next();
        if (!element.isValueNode()) {
          return null;
        }
        joined.append(joined.length() == 0 ? "" : ",").append(element.asText());
      }
      return joined.toString();
    }
    return null;
  }

  static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
