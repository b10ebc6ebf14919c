package io.ollamagateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that closes kept-alive connections the way an idle timeout does, at the worst moment: it answers
 * the first request of each connection ({@code 200}, kept alive), and closes the connection without a byte
 * when a later request on it asks for a path containing {@code stale}. One daemon thread per connection.
 */
public final class ClosingUpstream implements AutoCloseable {

  private final ServerSocket server;
  private final AtomicInteger closedUnanswered = new AtomicInteger();

  public ClosingUpstream() {
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread acceptor = new Thread(this::accept, "closing-upstream");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** How many requests were met by closing the connection. */
  public int closedUnanswered() {
    return closedUnanswered.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread connection = new Thread(() -> serve(socket), "closing-upstream-connection");
        connection.setDaemon(true);
        connection.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      for (int n = 1; ; n++) {
        String head = BrokenUpstream.readHead(in); // its requests are bodiless
        if (head == null) {
          return;
        }
        if (n > 1 && head.lines().findFirst().orElse("").contains("stale")) {
          closedUnanswered.incrementAndGet();
          return;
        }
        byte[] body = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
      }
    } catch (IOException e) {
      // the gateway went away
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing
    }
  }
}
