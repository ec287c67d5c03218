package io.pulsarproxy.cli.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Many WebSocket subscribers on a few selector threads, reading server frames straight from bytes.
 * A load tool must cost less than the server it measures: a full client library per connection
 * spent more CPU receiving 50,000 frames/s than the proxy spent sending them. It answers pings,
 * honours close frames and never sends anything else.
 */
final class RawSubscribers implements AutoCloseable {
  /**
   * Receives each text (or binary) frame's bytes ({@code buf[offset, offset+length)}), on a
   * selector thread.
   */
  interface Listener {
    void onText(PerfSubscriber subscriber, byte[] buf, int offset, int length);

    /** A binary frame: on a {@code pp.v1.msgpack} connection, every server frame. */
    default void onBinary(PerfSubscriber subscriber, byte[] buf, int offset, int length) {}

    void onClosed(PerfSubscriber subscriber);
  }

  private final InetSocketAddress server;
  private final String token;
  private final String subprotocol;
  private final Listener listener;
  private static final int PORTS_PER_SOURCE_ADDRESS = 20_000;

  private final List<Loop> loops = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger opened =
      new java.util.concurrent.atomic.AtomicInteger();
  private int next;

  /**
   * @param subprotocol asked for with {@code Sec-WebSocket-Protocol}, or null for none
   */
  RawSubscribers(
      InetSocketAddress server, String token, String subprotocol, int threads, Listener listener)
      throws IOException {
    this.server = server;
    this.token = token;
    this.subprotocol = subprotocol;
    this.listener = listener;
    for (int i = 0; i < threads; i++) {
      Loop loop = new Loop(Selector.open());
      Thread t = new Thread(loop, "perf-subscribers-" + i);
      t.setDaemon(true);
      t.start();
      loops.add(loop);
    }
  }

  /** Opens a connection and upgrades it on {@code pathAndQuery}; returns at once. */
  void connect(PerfSubscriber subscriber, String pathAndQuery) throws IOException {
    connect(subscriber, server, pathAndQuery);
  }

  /** The same, to another server (a client failing over to another instance). */
  void connect(PerfSubscriber subscriber, InetSocketAddress server, String pathAndQuery)
      throws IOException {
    SocketChannel channel = SocketChannel.open();
    channel.configureBlocking(false);
    if (server.getAddress() != null && server.getAddress().isLoopbackAddress()) {
      // One source address has about 28,000 ephemeral ports: spread loopback connections over
      // 127.0.0.1, .2, ... so a run can hold more than that.
      // The first address is left to connect(), which picks ports per destination; an explicit
      // bind picks them per source and runs out sooner.
      int n = opened.getAndIncrement();
      if (n >= PORTS_PER_SOURCE_ADDRESS) {
        channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
        channel.bind(new InetSocketAddress("127.0.0." + (1 + n / PORTS_PER_SOURCE_ADDRESS), 0));
      }
    }
    channel.connect(server);
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    String request =
        "GET "
            + pathAndQuery
            + " HTTP/1.1\r\n"
            + "Host: "
            + server.getHostString()
            + ":"
            + server.getPort()
            + "\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(key)
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + (subprotocol == null ? "" : "Sec-WebSocket-Protocol: " + subprotocol + "\r\n")
            + "Authorization: Bearer "
            + token
            + "\r\n\r\n";
    Connection c = new Connection(channel, subscriber, request.getBytes(StandardCharsets.US_ASCII));
    Loop loop;
    synchronized (this) {
      loop = loops.get(next++ % loops.size());
    }
    loop.pending.add(c);
    loop.selector.wakeup();
  }

  @Override
  public void close() {
    for (Loop loop : loops) {
      loop.running = false;
      loop.selector.wakeup();
    }
  }

  private static final class Connection {
    final SocketChannel channel;
    final PerfSubscriber subscriber;
    ByteBuffer out;
    byte[] in = new byte[16 * 1024];
    int filled;
    boolean upgraded;

    Connection(SocketChannel channel, PerfSubscriber subscriber, byte[] handshake) {
      this.channel = channel;
      this.subscriber = subscriber;
      this.out = ByteBuffer.wrap(handshake);
    }
  }

  private final class Loop implements Runnable {
    final Selector selector;
    final Queue<Connection> pending = new ConcurrentLinkedQueue<>();
    volatile boolean running = true;

    Loop(Selector selector) {
      this.selector = selector;
    }

    @Override
    public void run() {
      try {
        while (running) {
          selector.select(500);
          Connection c;
          while ((c = pending.poll()) != null) {
            c.channel.register(selector, SelectionKey.OP_CONNECT, c);
          }
          Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
          while (keys.hasNext()) {
            SelectionKey key = keys.next();
            keys.remove();
            handle(key, (Connection) key.attachment());
          }
        }
        for (SelectionKey key : selector.keys()) {
          closeQuietly((Connection) key.attachment());
        }
        selector.close();
      } catch (IOException e) {
        throw new IllegalStateException("perf selector failed", e);
      }
    }

    private void handle(SelectionKey key, Connection c) {
      try {
        if (key.isConnectable() && c.channel.finishConnect()) {
          key.interestOps(SelectionKey.OP_WRITE);
        }
        if (key.isValid() && key.isWritable()) {
          c.channel.write(c.out);
          if (!c.out.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ);
          }
        }
        if (key.isValid() && key.isReadable()) {
          read(key, c);
        }
      } catch (IOException | RuntimeException e) {
        key.cancel();
        closeQuietly(c);
      }
    }

    private void read(SelectionKey key, Connection c) throws IOException {
      if (c.filled == c.in.length) {
        c.in = java.util.Arrays.copyOf(c.in, c.in.length * 2);
      }
      int n = c.channel.read(ByteBuffer.wrap(c.in, c.filled, c.in.length - c.filled));
      if (n < 0) {
        key.cancel();
        closeQuietly(c);
        return;
      }
      c.filled += n;
      int pos = 0;
      if (!c.upgraded) {
        int end = indexOf(c.in, c.filled, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (end < 0) {
          return;
        }
        String head = new String(c.in, 0, end, StandardCharsets.US_ASCII);
        if (!head.startsWith("HTTP/1.1 101")) {
          throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(""));
        }
        c.upgraded = true;
        pos = end + 4;
      }
      while (c.filled - pos >= 2) {
        int b0 = c.in[pos] & 0xFF;
        int b1 = c.in[pos + 1] & 0x7F;
        int header = 2;
        long length = b1;
        if (b1 == 126) {
          if (c.filled - pos < 4) {
            break;
          }
          length = ((c.in[pos + 2] & 0xFF) << 8) | (c.in[pos + 3] & 0xFF);
          header = 4;
        } else if (b1 == 127) {
          if (c.filled - pos < 10) {
            break;
          }
          length = 0;
          for (int i = 2; i < 10; i++) {
            length = (length << 8) | (c.in[pos + i] & 0xFF);
          }
          header = 10;
        }
        if (c.filled - pos < header + length) {
          if (header + length > c.in.length) {
            c.in = java.util.Arrays.copyOf(c.in, (int) (header + length) * 2);
          }
          break;
        }
        int opcode = b0 & 0x0F;
        int start = pos + header;
        if (opcode == 1) {
          listener.onText(c.subscriber, c.in, start, (int) length);
        } else if (opcode == 2) {
          listener.onBinary(c.subscriber, c.in, start, (int) length);
        } else if (opcode == 9) {
          sendControl(c, 0xA, c.in, start, (int) length); // pong
        } else if (opcode == 8) {
          key.cancel();
          closeQuietly(c);
          return;
        }
        pos = start + (int) length;
      }
      System.arraycopy(c.in, pos, c.in, 0, c.filled - pos);
      c.filled -= pos;
    }

    /** A masked control frame (clients must mask); small enough for one write. */
    private void sendControl(Connection c, int opcode, byte[] payload, int offset, int length)
        throws IOException {
      ByteBuffer frame = ByteBuffer.allocate(6 + length);
      frame.put((byte) (0x80 | opcode)).put((byte) (0x80 | length)).putInt(0);
      frame.put(payload, offset, length).flip(); // a zero mask leaves the payload as it is
      c.channel.write(frame);
    }

    private void closeQuietly(Connection c) {
      try {
        c.channel.close();
      } catch (IOException e) {
        // closing anyway
      }
      listener.onClosed(c.subscriber);
    }
  }

  private static int indexOf(byte[] buf, int limit, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= limit; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
