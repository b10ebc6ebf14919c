package io.ollamagateway.admin;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Files the jar carries (the API docs' and the web console's pages, webjars), read whole. Blocks: read them
 * once, at start-up or on first use ({@link Lazy}), and serve them from memory. Stateless.
 */
public final class ClasspathResources {

  private ClasspathResources() {
  }

  /** The whole file; fails when the jar lacks it. */
  public static Buffer read(String path) {
    try (InputStream in = open(path)) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The version of a webjar on the class path, from its Maven metadata ({@code org.webjars}, ...). */
  public static String webjarVersion(String groupId, String artifactId) {
    Properties properties = new Properties();
    try (InputStream in = open("META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties")) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }

  /**
   * A file read whole on its first use and kept: for large files that most gateways never serve (Swagger UI's
   * and ReDoc's bundles, 2.8 MB of heap from start-up on, issue 27). Whether the jar has the file is checked at
   * construction, so that a missing one still fails the start. Thread-safe; {@link #load} blocks (call it on a
   * worker), {@link #ifLoaded} does not.
   */
  public static final class Lazy {

    private final String path;
    private volatile Buffer content;

    public Lazy(String path) {
      if (ClasspathResources.class.getClassLoader().getResource(path) == null) {
        throw new UncheckedIOException(new IOException("missing class path resource " + path));
      }
      this.path = path;
    }

    /** The content, or {@code null} before the first {@link #load}. */
    public Buffer ifLoaded() {
      return content;
    }

    /** The content, read now if it was not yet. Blocks. */
    public Buffer load() {
      Buffer loaded = content;
      if (loaded == null) {
        synchronized (this) {
          if (content == null) {
            content = read(path);
          }
          loaded = content;
        }
      }
      return loaded;
    }
  }

  private static InputStream open(String path) throws IOException {
    InputStream in = ClasspathResources.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IOException("missing class path resource " + path);
    }
    return in;
  }
}
