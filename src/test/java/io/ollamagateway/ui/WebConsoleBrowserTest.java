package io.ollamagateway.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.ollamagateway.testing.GatewayFixture;
import io.ollamagateway.testing.Http;
import io.ollamagateway.testing.IdentityFixture;
import io.ollamagateway.testing.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console end to end in real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * which {@code .ci/run} installs), driven by Selenium: sign in with a wrong and then an admin key, create a user
 * and a key with limits (reading the one-time reveal), set a quota and self-service caps, make a proxied request
 * with the key, see its usage on the dashboard, revoke the key (which then gets 401), sign out and in again with
 * a password, and look at the pages on a phone-sized screen. And a user's session: sign in with a password, see
 * only their own usage and pages, create, rotate (with a grace period) and revoke a key of their own. Every page
 * is saved as a screenshot under {@code target/ui-screenshots/}.
 * Outside CI the test is skipped when Chromium or chromedriver is missing; in CI it fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the admin's totals are of a fresh store: it runs first
class WebConsoleBrowserTest {

  private static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");
  private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
  private static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver");
  private static final String PASSWORD = "a long admin password";
  private static final String USER_PASSWORD = "a long user password";

  private TestDatabase database;
  private IdentityFixture fixture;
  private ChromeDriver driver;
  private WebDriverWait wait;
  private String base;

  @BeforeAll
  void start() throws Exception {
    for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!new File(binary).canExecute()) {
        String message = binary + " is missing: the web console's browser test needs Debian's chromium and "
            + "chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)";
        if (System.getenv("CI") != null) {
          fail(message + ". CI is set, so this is a failure, not a skip.");
        }
        Assumptions.abort(message);
      }
    }
    Files.createDirectories(SCREENSHOTS);
    database = TestDatabase.sqlite();
    // Two upstream keys, so that the upstreams page has a key pool to show.
    fixture = new IdentityFixture(database, Map.of("USAGE_FLUSH_INTERVAL", "1s", "OLLAMA_API_KEYS",
        "upstream-key-one-0000,upstream-key-two-0000"));
    base = "http://127.0.0.1:" + fixture.gateway.port();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    // No sandbox: CI runs as root. The rest keeps Chromium from reaching the network on its own.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,900", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
        "--disable-features=Translate,OptimizationHints,MediaRouter", "--lang=en-GB");
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL")); // to catch script errors
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    wait = new WebDriverWait(driver, Duration.ofSeconds(15));
  }

  @AfterAll
  void stop() throws Exception {
    if (driver != null) {
      driver.quit();
    }
    if (fixture != null) {
      fixture.close();
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  @Order(1)
  void anAdminRunsTheGatewayFromTheBrowser() throws Exception {
    // Sign-in: a wrong key first, with its message, then the admin key.
    driver.manage().deleteAllCookies(); // whatever the other test left
    driver.manage().window().setSize(new Dimension(1280, 900));
    driver.get(base + "/ui/");
    WebElement keyInput = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#key-sign-in input")));
    keyInput.sendKeys("sk-" + "x".repeat(43));
    driver.findElement(By.cssSelector("#key-sign-in button")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".message.error"), "wrong API key"));
    screenshot("01-sign-in-wrong-key");
    keyInput.clear();
    keyInput.sendKeys(fixture.adminKey);
    driver.findElement(By.cssSelector("#key-sign-in button")).click();
    heading("Dashboard");
    screenshot("02-dashboard-empty");

    // Users: create alice (a user) and olga (an admin with a password).
    nav("Users");
    heading("Users");
    createUser("alice", "user", null);
    createUser("olga", "admin", PASSWORD);
    screenshot("03-users");

    // A quota for alice.
    driver.findElement(By.cssSelector("button[aria-label='Edit alice']")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("quota")));
    long aliceId = userId("alice");
    WebElement daily = driver.findElement(By.cssSelector("#quota input[name='daily_tokens']"));
    daily.clear();
    daily.sendKeys("1000");
    driver.findElement(By.cssSelector("#quota button[type='submit']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#quota + .message.ok"),
        "Quota saved"));
    JsonObject quota = fixture.http.get("/admin/api/users/" + aliceId + "/quota", Http.bearer(fixture.adminKey))
        .json();
    assertThat(quota.getLong("daily_tokens")).isEqualTo(1000);
    assertThat(quota.getValue("monthly_tokens")).isNull();
    screenshot("04-user-edit-quota");

    // Her self-service caps, from the same editor.
    driver.findElement(By.cssSelector("#caps input[name='max_keys']")).sendKeys("3");
    driver.findElement(By.cssSelector("#caps input[name='models']")).sendKeys("llama3*, qwen2.5:0.5b");
    driver.findElement(By.cssSelector("#caps input[name='tokens_per_minute']")).sendKeys("20000");
    driver.findElement(By.cssSelector("#caps input[name='max_rotation_grace_hours']")).sendKeys("2");
    driver.findElement(By.cssSelector("#caps button[type='submit']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#caps + .message.ok"),
        "Caps saved"));
    JsonObject caps = fixture.http.get("/admin/api/users/" + aliceId + "/caps", Http.bearer(fixture.adminKey))
        .json();
    assertThat(caps.getInteger("max_keys")).isEqualTo(3);
    assertThat(caps.getJsonArray("models")).containsExactly("llama3*", "qwen2.5:0.5b");
    assertThat(caps.getLong("tokens_per_minute")).isEqualTo(20000);
    assertThat(caps.getValue("requests_per_minute")).isNull();
    assertThat(caps.getLong("max_rotation_grace_seconds")).isEqualTo(7200);

    // Keys: create one for alice and read it from the one-time reveal.
    nav("Keys");
    heading("API keys");
    new Select(driver.findElement(By.cssSelector("#create-key select[name='user_id']"))).selectByVisibleText(
        "alice (user)");
    driver.findElement(By.cssSelector("#create-key input[name='name']")).sendKeys("laptop");
    driver.findElement(By.cssSelector("#create-key input[name='models']")).sendKeys("llama3*");
    driver.findElement(By.cssSelector("#create-key input[name='requests_per_minute']")).sendKeys("60");
    driver.findElement(By.cssSelector("#create-key input[name='tokens_per_minute']")).sendKeys("10000");
    driver.findElement(By.cssSelector("#create-key button[type='submit']")).click();
    WebElement reveal = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key")));
    String key = reveal.getDomProperty("value");
    assertThat(key).matches("sk-[A-Za-z0-9]{43}");
    driver.findElement(By.id("copy-key")).click();
    wait.until(ExpectedConditions.textToBe(By.id("copy-key"), "Copied"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-key='laptop']"),
        "tokens per minute: 10000"));
    screenshot("05-keys-reveal");

    // A proxied request with the new key, then its usage on the dashboard.
    Http.Answer chat = fixture.http.post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":"
        + "[{\"role\":\"user\",\"content\":\"why is the sky blue\"}]}", Http.bearer(key));
    assertThat(chat.status()).as(chat.body()).isEqualTo(200);
    // The request is counted when its answer has ended; then a flush writes it to the store.
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> {
      GatewayFixture.await(fixture.gateway.usage().flush());
      return fixture.http.get("/admin/api/usage", Http.bearer(fixture.adminKey)).body().contains("\"requests\":1");
    })).as("the proxied request reaches the usage report").isTrue();
    String prefix = new JsonObject(fixture.http.get("/admin/api/keys?user_id=" + aliceId,
        Http.bearer(fixture.adminKey)).array().getJsonObject(0).encode()).getString("prefix");
    nav("Dashboard");
    heading("Dashboard");
    new Select(driver.findElement(By.cssSelector("select[name='by']"))).selectByVisibleText("API key");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("usage-totals"), prefix));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("top-keys"), prefix));
    wait.until(ExpectedConditions.textToBe(By.id("stat-requests"), "1"));
    assertThat(driver.findElements(By.cssSelector(".chart canvas"))).hasSize(3);
    screenshot("06-dashboard-usage");

    nav("Upstreams");
    heading("Upstreams");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".badge.healthy")));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("main"), "Keys of default"));
    assertThat(driver.findElement(By.tagName("main")).getText()).contains("#0").contains("#1")
        .doesNotContain("upstream-key-one-0000");
    screenshot("07-upstreams");

    // Revoke the key: it is refused at once.
    nav("Keys");
    heading("API keys");
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[aria-label='Revoke key laptop']")))
        .click();
    driver.findElement(By.cssSelector("button[aria-label='Confirm revoking laptop']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("tr[data-key='laptop'] .badge"),
        "revoked"));
    screenshot("08-keys-revoked");
    assertThat(fixture.http.post("/api/chat", "{\"model\":\"llama3.2\",\"messages\":[]}", Http.bearer(key)).status())
        .isEqualTo(401);

    nav("Audit log");
    heading("Audit log");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), "key.revoke"));
    assertThat(driver.findElement(By.id("audit-table")).getText()).doesNotContain(key).doesNotContain(PASSWORD);
    screenshot("09-audit");

    // Sign out, then in again as olga with her password.
    driver.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("password-sign-in")));
    driver.findElement(By.cssSelector("#password-sign-in input[name='username']")).sendKeys("olga");
    driver.findElement(By.cssSelector("#password-sign-in input[name='password']")).sendKeys(PASSWORD);
    driver.findElement(By.cssSelector("#password-sign-in button")).click();
    heading("Dashboard");
    assertThat(driver.findElement(By.id("whoami")).getText()).contains("olga");

    // A phone-sized screen: the menu folds away, the pages stay usable.
    driver.manage().window().setSize(new Dimension(390, 844));
    screenshot("10-phone-dashboard");
    WebElement menu = driver.findElement(By.id("menu-toggle"));
    assertThat(menu.isDisplayed()).isTrue();
    assertThat(driver.findElement(By.id("nav")).isDisplayed()).isFalse();
    menu.click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    screenshot("11-phone-menu");
    driver.findElement(By.linkText("Keys")).click();
    heading("API keys");
    screenshot("12-phone-keys");
    menu.click();
    driver.findElement(By.linkText("Users")).click();
    heading("Users");
    screenshot("13-phone-users");
    assertThat(horizontalOverflow()).as("the page itself never scrolls sideways on a phone").isFalse();

    // The sign-in page on a phone, and no script error anywhere along the way (the 401s of the wrong key and
    // of the first session check are the browser's expected "failed to load" lines).
    driver.findElement(By.id("menu-toggle")).click();
    wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-out"))).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-sign-in")));
    screenshot("14-phone-sign-in");
    List<String> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
    assertThat(severe).as("the browser's log is read").anyMatch(message -> message.contains("401"));
    assertThat(severe.stream().filter(message -> !message.contains("Failed to load resource")))
        .as("script errors in the console").isEmpty();
  }

  @Test
  @Order(2)
  void aUserServesThemselvesFromTheBrowser() throws Exception {
    // Set up by an admin over the API: uma (a user with a password, caps and a key she has used) and victor,
    // whose usage uma must never see.
    long uma = fixture.user("uma", "user");
    assertThat(fixture.http.send("PUT", "/admin/api/users/" + uma + "/password", new JsonObject()
        .put("password", USER_PASSWORD).encode(), Http.bearer(fixture.adminKey)).status()).isEqualTo(204);
    assertThat(fixture.http.send("PUT", "/admin/api/users/" + uma + "/caps", new JsonObject().put("max_keys", 4)
        .put("models", new io.vertx.core.json.JsonArray().add("llama3*")).put("requests_per_minute", 100)
        .put("max_rotation_grace_seconds", 3600).encode(), Http.bearer(fixture.adminKey)).status())
        .isEqualTo(200);
    JsonObject umaFirst = fixture.key(uma, "uma-first", new JsonObject());
    JsonObject victorKey = fixture.key(fixture.user("victor", "user"), "victor-ci", new JsonObject());
    assertThat(chat(umaFirst.getString("key"))).isEqualTo(200);
    assertThat(chat(victorKey.getString("key"))).isEqualTo(200);
    assertThat(chat(victorKey.getString("key"))).isEqualTo(200);
    assertThat(GatewayFixture.eventually(Duration.ofSeconds(10), () -> {
      GatewayFixture.await(fixture.gateway.usage().flush());
      return fixture.http.get("/admin/api/me/usage", Http.bearer(victorKey.getString("key"))).body()
          .contains("\"requests\":2") && fixture.http.get("/admin/api/me/usage",
          Http.bearer(umaFirst.getString("key"))).body().contains("\"requests\":1");
    })).as("both users' requests reach the store").isTrue();

    // uma signs in with her password: her usage only, and only her pages.
    driver.manage().deleteAllCookies();
    driver.manage().window().setSize(new Dimension(1280, 900));
    driver.get(base + "/ui/");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("password-sign-in")));
    driver.findElement(By.cssSelector("#password-sign-in input[name='username']")).sendKeys("uma");
    driver.findElement(By.cssSelector("#password-sign-in input[name='password']")).sendKeys(USER_PASSWORD);
    driver.findElement(By.cssSelector("#password-sign-in button")).click();
    heading("My usage");
    assertThat(driver.findElement(By.linkText("My keys")).isDisplayed()).isTrue();
    for (String adminPage : List.of("users", "keys", "upstreams", "audit")) {
      assertThat(driver.findElement(By.cssSelector("#nav a[href='#/" + adminPage + "']")).isDisplayed())
          .as(adminPage).isFalse();
    }
    new Select(driver.findElement(By.cssSelector("select[name='by']"))).selectByVisibleText("API key");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("usage-totals"),
        umaFirst.getString("prefix")));
    wait.until(ExpectedConditions.textToBe(By.id("stat-requests"), "1"));
    assertThat(driver.findElement(By.tagName("main")).getText()).doesNotContain(victorKey.getString("prefix"))
        .doesNotContain("victor");
    assertThat(driver.findElements(By.id("stat-in-flight"))).isEmpty();
    assertThat(new Select(driver.findElement(By.cssSelector("select[name='by']"))).getOptions())
        .extracting(WebElement::getText).containsExactly("Model", "API key");
    Object status = ((JavascriptExecutor) driver).executeAsyncScript("const done = arguments[0];"
        + "fetch('/admin/api/users', {credentials: 'same-origin'}).then(r => done(r.status));");
    assertThat(((Number) status).intValue()).as("the server refuses admin routes to her session").isEqualTo(403);
    screenshot("20-user-usage");

    // Her keys: limits and what is left, then a new key.
    nav("My keys");
    heading("My keys");
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("my-limits"), "100"));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("my-caps"), "llama3*"));
    driver.findElement(By.cssSelector("#create-my-key input[name='name']")).sendKeys("notebook");
    driver.findElement(By.cssSelector("#create-my-key button[type='submit']")).click();
    String first = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-key"))).getDomProperty("value");
    assertThat(first).matches("sk-[A-Za-z0-9]{43}");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-key='notebook']")));
    assertThat(chat(first)).isEqualTo(200);
    JsonObject created = fixture.http.get("/admin/api/me", Http.bearer(first)).json().getJsonObject("key");
    assertThat(created.getJsonArray("models")).containsExactly("llama3*");
    assertThat(created.getLong("requests_per_minute")).isEqualTo(100);
    screenshot("21-user-new-key");

    // Rotate it with a 5-minute grace: a new secret, and both work until the grace ends.
    String row = "tr[data-prefix='" + created.getString("prefix") + "'] ";
    driver.findElement(By.cssSelector(row + "button[aria-label='Rotate key notebook']")).click();
    WebElement minutes = driver.findElement(By.cssSelector(row + "input[name='grace-minutes']"));
    minutes.clear();
    minutes.sendKeys("5");
    driver.findElement(By.cssSelector(row + "button[aria-label='Confirm rotating notebook']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("reveal-title"), "the old one"));
    String second = driver.findElement(By.id("new-key")).getDomProperty("value");
    assertThat(second).matches("sk-[A-Za-z0-9]{43}").isNotEqualTo(first);
    assertThat(chat(first)).as("the old secret during its grace").isEqualTo(200);
    assertThat(chat(second)).isEqualTo(200);
    JsonObject old = fixture.http.get("/admin/api/keys/" + created.getLong("id"), Http.bearer(fixture.adminKey))
        .json();
    assertThat(java.time.Instant.parse(old.getString("expires_at")))
        .isBetween(java.time.Instant.now().plusSeconds(240), java.time.Instant.now().plusSeconds(310));
    wait.until(d -> d.findElements(By.cssSelector("tr[data-key='notebook']")).size() == 2);
    screenshot("22-user-rotated");

    // Revoke the old one before its grace ends: refused at once.
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(row
        + "button[aria-label='Revoke key notebook']"))).click();
    driver.findElement(By.cssSelector(row + "button[aria-label='Confirm revoking notebook']")).click();
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(row + ".badge"), "revoked"));
    assertThat(chat(first)).isEqualTo(401);
    assertThat(chat(second)).isEqualTo(200);
    screenshot("23-user-revoked");

    // All of it is in the audit log, as uma, with key ids and no secret.
    String audit = fixture.http.get("/admin/api/audit?limit=1000", Http.bearer(fixture.adminKey)).body();
    assertThat(audit).contains("key.rotate").contains("\"target\":\"key:" + created.getLong("id") + "\"")
        .contains("(uma)").doesNotContain(first).doesNotContain(second).doesNotContain(USER_PASSWORD);

    driver.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-sign-in")));
    List<String> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(message -> !message.contains("Failed to load resource"))
        .toList();
    assertThat(severe).as("script errors in the console").isEmpty();
  }

  // -------------------------------------------------------------------------------------------------------

  private int chat(String key) {
    return fixture.http.post("/api/chat", "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":"
        + "[{\"role\":\"user\",\"content\":\"hello\"}]}", Http.bearer(key)).status();
  }

  private void nav(String page) {
    driver.findElement(By.linkText(page)).click();
  }

  private void heading(String text) {
    wait.until(ExpectedConditions.textToBe(By.cssSelector("main h1"), text));
  }

  private void createUser(String name, String role, String password) {
    driver.findElement(By.cssSelector("#create-user input[name='name']")).sendKeys(name);
    new Select(driver.findElement(By.cssSelector("#create-user select[name='role']"))).selectByValue(role);
    if (password != null) {
      driver.findElement(By.cssSelector("#create-user input[name='password']")).sendKeys(password);
    }
    driver.findElement(By.cssSelector("#create-user button[type='submit']")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-user='" + name + "']")));
    wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".message.ok"), "Created user "
        + name));
  }

  private long userId(String name) {
    return fixture.http.get("/admin/api/users", Http.bearer(fixture.adminKey)).array().stream()
        .map(o -> (JsonObject) o).filter(u -> name.equals(u.getString("name"))).findFirst().orElseThrow()
        .getLong("id");
  }

  private boolean horizontalOverflow() {
    Object wider = ((JavascriptExecutor) driver).executeScript(
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;");
    return Boolean.TRUE.equals(wider);
  }

  /** Saves the whole page: the window is made as tall as the page for the shot, then restored. */
  private void screenshot(String name) throws IOException {
    Dimension size = driver.manage().window().getSize();
    Number height = (Number) ((JavascriptExecutor) driver).executeScript(
        "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);");
    int tall = Math.min(6000, Math.max(size.getHeight(), height.intValue() + 100));
    driver.manage().window().setSize(new Dimension(size.getWidth(), tall));
    ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0);");
    try {
      Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } finally {
      driver.manage().window().setSize(size);
    }
  }
}
