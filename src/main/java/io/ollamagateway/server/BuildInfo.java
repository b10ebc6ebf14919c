package io.ollamagateway.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The gateway's version, as Maven wrote it at build time. */
public final class BuildInfo {

  private static final String VERSION = read();

  private BuildInfo() {
  }

  public static String version() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("/io/ollamagateway/version.txt")) {
      String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      return text.isEmpty() || text.startsWith("${") ? "dev" : text;
    } catch (IOException e) {
      return "dev";
    }
  }
}
