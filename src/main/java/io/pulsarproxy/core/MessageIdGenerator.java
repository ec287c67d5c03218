package io.pulsarproxy.core;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Generates ULIDs: 26 Crockford base-32 characters, 48 bits of milliseconds then 80 random bits.
 * Ids sort by creation time; within one millisecond the random part is incremented, so ids from one
 * instance are strictly increasing.
 */
public final class MessageIdGenerator {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private long lastMillis = -1;
  private long randomHigh; // upper 16 of the 80 random bits
  private long randomLow; // lower 64

  public MessageIdGenerator(Clock clock) {
    this.clock = clock;
  }

  public synchronized String next() {
    long now = clock.millis();
    if (now > lastMillis) {
      lastMillis = now;
      randomHigh = random.nextInt(1 << 16);
      randomLow = random.nextLong();
    } else if (++randomLow == 0) {
      randomHigh = (randomHigh + 1) & 0xFFFF;
    }
    char[] out = new char[26];
    for (int i = 0; i < 10; i++) {
      out[i] = ALPHABET[(int) ((lastMillis >>> (45 - 5 * i)) & 31)];
    }
    for (int i = 0; i < 16; i++) {
      int shift = 75 - 5 * i;
      long bits;
      if (shift >= 64) {
        bits = randomHigh >>> (shift - 64);
      } else if (shift == 0) {
        bits = randomLow;
      } else {
        bits = (randomLow >>> shift) | (randomHigh << (64 - shift));
      }
      out[10 + i] = ALPHABET[(int) (bits & 31)];
    }
    return new String(out);
  }
}
