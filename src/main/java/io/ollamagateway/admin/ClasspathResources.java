package io.ollamagateway.admin;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Files the jar carries (the API docs' and the web console's pages, webjars), read whole. Blocks: read them
 * once at start-up and serve them from memory. Stateless.
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

  private static InputStream open(String path) throws IOException {
    InputStream in = ClasspathResources.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IOException("missing class path resource " + path);
    }
    return in;
  }
}
