package io.ollamagateway.cli;

import io.ollamagateway.admin.IdentityService;
import io.ollamagateway.admin.InvalidInput;
import io.ollamagateway.admin.KeyImport;
import io.ollamagateway.admin.JsonViews;
import io.ollamagateway.store.Role;
import io.ollamagateway.store.ApiKey;
import io.ollamagateway.store.User;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code keys create|import|list|revoke}: manages API keys directly in the configured store. {@code keys create
 * --admin --name bootstrap --json} makes the first admin key on a fresh install. A new key's secret is printed
 * once, on standard output only.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 1,
    exitCodeOnExecutionException = 1,
    description = "Manage API keys in the store of DATABASE_URL (works while the server runs).")
final class KeysCommand extends StoreCommand {

  private static final int MAX_INPUT = 4 * 1024 * 1024;

  KeysCommand(Map<String, String> environment, Path workDir) {
    super(environment, workDir);
  }

  @Command(name = "create", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Create a key and print it, once.")
  int create(
      @Option(names = "--name", required = true, paramLabel = "NAME", description = "What the key is for") String name,
      @Mixin KeyOptions options) {
    return withStore(service -> {
      User owner = owner(service, options);
      IdentityService.CreatedKey created = service.createKey(StoreAccess.actor(), owner.id(), name, options.expiry(),
          options.models, options.limits());
      if (json) {
        out().println(JsonViews.createdKey(created, Instant.now()).encodePrettily());
      } else {
        out().println("created key " + created.key().id() + " '" + name + "' for user " + owner.id() + " ("
            + owner.name() + ", " + IdentityService.roleName(owner.role()) + ")");
        out().println("copy it now, it is shown only this once:");
        out().println(created.secret());
      }
      out().flush();
    });
  }

  @Command(name = "import", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = {"Bring over the client keys of another proxy, stored as hashes: a text file (one key a "
          + "line), a JSON array of keys, a JSON object of key to label, an array of objects with a key field "
          + "(such as the Node proxy's authTokens.json), or standard input with '-'. All or none: a key already in "
          + "the store is refused and nothing is imported. The keys are never printed."})
  int importKeys(
      @Parameters(paramLabel = "FILE", description = "The file, or - for standard input") String file,
      @Mixin KeyOptions options,
      @Option(names = "--create-user", description = "Create the --user (role user) if there is none of that name")
      boolean createUser,
      @Option(names = "--name", paramLabel = "NAME", defaultValue = "imported",
          description = "Name of keys without a label in the file (NAME, NAME-2...; default: ${DEFAULT-VALUE})")
      String name,
      @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
          description = "auto (JSON when it starts with [ or {), lines or json") String format,
      @Option(names = "--hashed", description = "Each entry is the SHA-256 hex of a key, not the key (a proxy "
          + "that stored only hashes, such as the quota proxy)") boolean hashed) {
    List<KeyImport.Entry> entries;
    try {
      entries = KeyImport.parse(readInput(file), KeyImport.Format.parse(format), hashed);
    } catch (NoSuchFileException e) {
      return failed(file + ": no such file");
    } catch (IOException e) {
      return failed("cannot read " + file + ": " + e.getClass().getSimpleName());
    } catch (InvalidInput e) {
      return failed(file + ": " + e.getMessage() + "; nothing was imported");
    }
    return withStore(service -> {
      User owner = createUser && options.user != null && !options.admin
          && service.stores().users().findByName(options.user).isEmpty()
          ? service.createUser(StoreAccess.actor(), options.user, null, Role.USER) : owner(service, options);
      List<ApiKey> imported = service.importKeys(StoreAccess.actor(), owner.id(), entries, hashed, name,
          options.expiry(), options.models, options.limits());
      Instant now = Instant.now();
      if (json) {
        out().println(new JsonArray(imported.stream().map(k -> JsonViews.key(k, now)).toList()).encodePrettily());
      } else {
        out().println("imported " + imported.size() + " key" + (imported.size() == 1 ? "" : "s") + " for user "
            + owner.id() + " (" + owner.name() + ", " + IdentityService.roleName(owner.role()) + "); callers keep "
            + "using them as before:");
        for (ApiKey key : imported) {
          out().printf("  key %d '%s' %s%n", key.id(), key.name(), key.prefix());
        }
      }
      out().flush();
    });
  }

  private int failed(String message) {
    err().println("ollama-gateway: " + message);
    err().flush();
    return 1;
  }

  /** The whole input, at most 4 MiB: a file of keys is small, and a mistaken path must not fill the memory. */
  private static String readInput(String file) throws IOException {
    InputStream in = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file));
    try {
      byte[] bytes = in.readNBytes(MAX_INPUT + 1);
      if (bytes.length > MAX_INPUT) {
        throw new InvalidInput("FILE", "larger than " + MAX_INPUT / (1024 * 1024) + " MiB; split it");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } finally {
      if (in != System.in) {
        in.close();
      }
    }
  }

  @Command(name = "list", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "List keys (never their secrets).")
  int list(@Option(names = "--user", paramLabel = "USER", description = "Only this user's keys (id or name)")
      String user) {
    return withStore(service -> {
      Long userId = user == null ? null : StoreAccess.user(service, user).id();
      List<ApiKey> keys = service.keys(userId);
      Instant now = Instant.now();
      if (json) {
        out().println(new JsonArray(keys.stream().map(k -> JsonViews.key(k, now)).toList()).encodePrettily());
      } else {
        out().printf("%-6s %-6s %-20s %-16s %-8s %-22s %s%n", "ID", "USER", "NAME", "PREFIX", "STATUS",
            "EXPIRES", "MODELS");
        for (ApiKey key : keys) {
          out().printf("%-6d %-6d %-20s %-16s %-8s %-22s %s%n", key.id(), key.userId(), key.name(), key.prefix(),
              key.status(now), key.expiresAt() == null ? "never" : key.expiresAt().toString(),
              key.models().isEmpty() ? "*" : String.join(",", key.models()));
        }
      }
      out().flush();
    });
  }

  @Command(name = "revoke", exitCodeOnInvalidInput = 1, exitCodeOnExecutionException = 1,
      description = "Revoke a key for good.")
  int revoke(@Parameters(paramLabel = "ID", description = "Key id") long id) {
    return withStore(service -> {
      ApiKey key = service.revokeKey(StoreAccess.actor(), id);
      if (json) {
        out().println(JsonViews.key(key, Instant.now()).encodePrettily());
      } else {
        out().println("revoked key " + key.id() + " (" + key.prefix() + "); a running gateway refuses it within "
            + "KEY_CACHE_REFRESH (30 s by default)");
      }
      out().flush();
    });
  }

  private static User owner(IdentityService service, KeyOptions options) {
    String user = options.user;
    if (!options.admin) {
      if (user == null) {
        throw new InvalidInput("--user", "name the key's owner with --user, or use --admin");
      }
      return StoreAccess.user(service, user);
    }
    String name = user == null ? "admin" : user;
    User owner = service.stores().users().findByName(name).orElse(null);
    if (owner == null && user != null && user.chars().allMatch(Character::isDigit)) {
      owner = StoreAccess.user(service, user);
    }
    if (owner == null) {
      owner = service.createUser(StoreAccess.actor(), name, null, Role.ADMIN);
    }
    if (owner.role() != Role.ADMIN) {
      throw new InvalidInput("--admin", "user '" + owner.name() + "' is not an admin; choose another --user or "
          + "make them one with 'users update " + owner.id() + " --role admin'");
    }
    return owner;
  }
}
