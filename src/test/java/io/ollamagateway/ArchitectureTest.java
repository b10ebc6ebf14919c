package io.ollamagateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages' allowed directions, as docs/architecture.md draws them: each package sits on a layer and may
 * use only packages on lower layers, never one beside it or above it. So no import runs back up and no two
 * packages use each other. Reads the sources' import lines and fully qualified names (plain Java, no
 * dependency); a new package must be given its layer here.
 */
class ArchitectureTest {

  /** Lowest first. Packages on one layer must not use each other. */
  static final List<Set<String>> LAYERS = List.of(
      Set.of("api", "net", "routing", "openai"),
      Set.of("config"),
      Set.of("store"),
      Set.of("auth"),
      Set.of("upstream", "alerts"),
      Set.of("proxy"),
      Set.of("usage", "policy"),
      Set.of("limits", "metrics", "tracing"),
      Set.of("embedcache"),
      Set.of("admin"),
      Set.of("ui"),
      Set.of("server"),
      Set.of("emulator"),
      Set.of("cli"),
      Set.of("")); // io.ollamagateway itself: Main

  private static final Path SOURCES = Path.of("src/main/java/io/ollamagateway");
  private static final Pattern REFERENCE = Pattern.compile("\\bio\\.ollamagateway\\.([a-z]+)\\.[A-Z]");

  @Test
  void everyPackageHasALayer() throws IOException {
    assertThat(uses()).as("the sources were read").containsKeys("proxy", "server", "store");
    Set<String> unplaced = new TreeSet<>(uses().keySet());
    LAYERS.forEach(unplaced::removeAll);
    assertThat(unplaced).as("packages without a layer in ArchitectureTest.LAYERS (and docs/architecture.md)")
        .isEmpty();
  }

  @Test
  void noImportRunsBackUpAndNoPackagesUseEachOther() throws IOException {
    assertThat(violations(uses())).as("package uses that run sideways or back up the layers").isEmpty();
  }

  @Test
  void theCheckSeesAnArrowThatRunsBackUpAndATwoWayPair() {
    Path file = Path.of("x.java");
    assertThat(violations(Map.of("store", Map.of("usage", file), "usage", Map.of("store", file))))
        .containsExactly("store -> usage (x.java), two-way");
    assertThat(violations(Map.of("upstream", Map.of("alerts", file)))).containsExactly("upstream -> alerts (x.java)");
    assertThat(violations(Map.of("server", Map.of("proxy", file, "api", file)))).isEmpty();
  }

  private static List<String> violations(Map<String, Map<String, Path>> uses) {
    List<String> wrong = new ArrayList<>();
    uses.forEach((from, targets) -> targets.forEach((to, file) -> {
      if (!from.equals(to) && layer(to) >= layer(from)) {
        wrong.add(name(from) + " -> " + name(to) + " (" + file + ")"
            + (uses.getOrDefault(to, Map.of()).containsKey(from) ? ", two-way" : ""));
      }
    }));
    wrong.sort(null);
    return wrong;
  }

  private static int layer(String pkg) {
    for (int i = 0; i < LAYERS.size(); i++) {
      if (LAYERS.get(i).contains(pkg)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static String name(String pkg) {
    return pkg.isEmpty() ? "io.ollamagateway" : pkg;
  }

  private static Map<String, Map<String, Path>> cache;

  /** For each package, the packages its main sources use, with one file that does. */
  private static synchronized Map<String, Map<String, Path>> uses() throws IOException {
    if (cache != null) {
      return cache;
    }
    Map<String, Map<String, Path>> uses = new HashMap<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        Path dir = SOURCES.relativize(file.getParent());
        String pkg = dir.toString().replace('/', '.');
        Map<String, Path> targets = uses.computeIfAbsent(pkg, k -> new HashMap<>());
        for (String line : Files.readAllLines(file)) {
          String code = line.strip();
          if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) {
            continue; // Javadoc may name any type
          }
          Matcher m = REFERENCE.matcher(code);
          while (m.find()) {
            targets.putIfAbsent(m.group(1), SOURCES.relativize(file));
          }
        }
      }
    }
    cache = uses;
    return uses;
  }
}
