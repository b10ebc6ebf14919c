package io.ollamagateway.cli;

import io.ollamagateway.emulator.EmulatorOptions;
import io.ollamagateway.emulator.OllamaEmulator;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code emulator}: runs the built-in Ollama emulator until stopped. */
@Command(name = "emulator", mixinStandardHelpOptions = true,
    description = "Run an Ollama emulator, for trying the gateway without Ollama, tests and benchmarks.")
final class EmulatorCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--host", description = "Address to listen on (default ${DEFAULT-VALUE})")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port to listen on (default ${DEFAULT-VALUE})")
  int port = 11434;

  @Option(names = "--ttft-ms", description = "Delay before the first token, ms (default ${DEFAULT-VALUE})")
  long ttftMillis = 0;

  @Option(names = "--chunks", description = "Tokens per answer, one per chunk (default ${DEFAULT-VALUE})")
  int chunks = 10;

  @Option(names = "--interval-ms", description = "Delay between chunks, ms (default ${DEFAULT-VALUE})")
  long intervalMillis = 0;

  @Option(names = "--fail-after", description = "Break every stream with an error after N chunks (default: never)")
  int failAfter = -1;

  @Option(names = "--models", split = ",", description = "Models it has (default: ${DEFAULT-VALUE})")
  List<String> models = EmulatorOptions.DEFAULT_MODELS;

  @Option(names = "--rate-limited-keys", split = ",", description = "Upstream keys answered with 429")
  List<String> rateLimitedKeys = List.of();

  @Option(names = "--required-keys", split = ",", description = "Accept only these Bearer keys (else 401)")
  List<String> requiredKeys = List.of();

  @Option(names = "--event-loops", description = "Event-loop threads (default ${DEFAULT-VALUE})")
  int eventLoops = Runtime.getRuntime().availableProcessors();

  @Option(names = "--openai-only", description = "Serve only the OpenAI-compatible /v1 routes, as vLLM or "
      + "llama.cpp's server do (native /api routes answer 404)")
  boolean openAiOnly;

  @Override
  public Integer call() throws Exception {
    EmulatorOptions options = new EmulatorOptions(host, port, Duration.ofMillis(ttftMillis), chunks,
        Duration.ofMillis(intervalMillis), failAfter, models, new LinkedHashSet<>(rateLimitedKeys),
        new LinkedHashSet<>(requiredKeys), eventLoops, openAiOnly);
    OllamaEmulator emulator = OllamaEmulator.start(options).await(30, TimeUnit.SECONDS);
    spec.commandLine().getOut().println("Ollama emulator listening on " + emulator.url());
    spec.commandLine().getOut().flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        emulator.stop().await(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
