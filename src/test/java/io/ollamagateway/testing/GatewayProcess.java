package io.ollamagateway.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A gateway in a process of its own (a JVM started from this test run's class path, or any launcher), for what only
 * a whole process shows: its standard output, its exit. Output and error go together to a file, read line by line:
 * reading a pipe instead loses the last lines, because the JDK closes a pipe whose process has exited while a
 * reader may still be in it ("Stream closed").
 */
public final class GatewayProcess implements AutoCloseable {

  private final Process process;
  private final Path output;

  private GatewayProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** {@code java -cp <this run's class path> io.ollamagateway.Main args...} with exactly {@code environment}. */
  public static GatewayProcess java(Map<String, String> environment, Path workDir, String... args) {
    return java(List.of(), environment, workDir, args);
  }

  /**
   * As {@link #java(Map, Path, String...)}, with JVM options before the class path (for example
   * {@code -Xmx128m -XX:+ExitOnOutOfMemoryError}, so that a test where memory is the point sees the process die).
   */
  public static GatewayProcess java(List<String> jvmOptions, Map<String, String> environment, Path workDir,
      String... args) {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ollamagateway.Main"));
    command.addAll(List.of(args));
    return start(command, environment, workDir);
  }

  /** Any command, with exactly {@code environment} (nothing inherited). */
  public static GatewayProcess start(List<String> command, Map<String, String> environment, Path workDir) {
    try {
      Path output = Files.createTempFile(workDir, "process-", ".out");
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().clear();
      builder.environment().putAll(environment);
      return new GatewayProcess(builder.start(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until a line matches; fails with everything printed so far when none does in time. */
  public String awaitLine(Predicate<String> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean lastLook = false;
    while (System.nanoTime() < deadline) {
      for (String line : lines()) {
        if (match.test(line)) {
          return line;
        }
      }
      if (lastLook) {
        break; // the process has exited and all it wrote was read
      }
      lastLook = !process.isAlive();
      GatewayFixture.sleep(50);
    }
    throw new AssertionError("no expected line within " + timeout + " (alive: " + process.isAlive() + "):\n"
        + String.join("\n", lines()));
  }

  /** Every complete line written so far. */
  public List<String> lines() {
    try {
      String text = Files.readString(output, StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(text.lines().toList());
      if (!text.isEmpty() && !text.endsWith("\n")) {
        lines.remove(lines.size() - 1); // still being written
      }
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGTERM, then waits for the exit; returns the exit status. */
  public int stop(Duration timeout) {
    process.destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the process did not stop within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
