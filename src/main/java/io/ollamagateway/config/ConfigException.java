package io.ollamagateway.config;

/**
 * A setting that cannot be used as given. The message is one line a person can act on: it names the
 * setting, where its value came from, and what is wrong with it. Start-up stops with exit status 2.
 */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
