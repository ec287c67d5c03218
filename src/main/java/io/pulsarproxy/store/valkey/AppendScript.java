package io.pulsarproxy.store.valkey;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * {@code append.lua}: its text and SHA-1, and the one rule for calling it: EVALSHA, and EVAL once
 * the server has lost its script cache (a restart, a failover, SCRIPT FLUSH), which caches it
 * again.
 */
record AppendScript(String text, String sha) {
  static AppendScript load() {
    try (InputStream in = AppendScript.class.getResourceAsStream("append.lua")) {
      if (in == null) {
        throw new IllegalStateException("missing resource append.lua");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new AppendScript(text, sha1Hex(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Calls the script.
   *
   * @param run runs EVALSHA (given the SHA) or EVAL (given the text) on one connection
   */
  Object call(Function<Call, Object> run) {
    try {
      return run.apply(new Call(true, sha));
    } catch (JedisNoScriptException e) {
      return run.apply(new Call(false, text));
    }
  }

  /** One way of calling it: EVALSHA with the SHA, or EVAL with the text. */
  record Call(boolean bySha, String scriptOrSha) {}

  private static String sha1Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }
}
