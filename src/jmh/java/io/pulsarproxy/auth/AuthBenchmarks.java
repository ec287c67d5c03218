package io.pulsarproxy.auth;

import io.pulsarproxy.core.RateLimiter;
import io.pulsarproxy.core.RateLimiter.RateLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request costs before a publish reaches the store: finding the token (a SHA-256 and a
 * constant-time compare against every configured hash) and taking permits from its rate limit.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class AuthBenchmarks {
  /** How many tokens are configured; the lookup compares with all of them. */
  @Param({"1", "100"})
  public int tokens;

  private TokenAuthenticator authenticator;
  private RateLimiter rateLimiter;
  private final RateLimit unlimited = new RateLimit(1e12, Integer.MAX_VALUE);
  private String presented;

  @Setup
  public void setUp() {
    List<TokenAuthenticator.Token> all = new ArrayList<>();
    for (int i = 0; i < tokens; i++) {
      Caller caller =
          new Caller(
              "token-" + i,
              new TopicPatterns(List.of("*")),
              new TopicPatterns(List.of("*")),
              unlimited);
      all.add(new TokenAuthenticator.Token(TokenHasher.sha256("secret-" + i), caller));
    }
    authenticator = new TokenAuthenticator(all);
    presented = "secret-" + (tokens - 1);
    rateLimiter = new RateLimiter(System::nanoTime);
  }

  @Benchmark
  public Optional<Caller> tokenLookup() {
    return authenticator.authenticate(presented);
  }

  /** Two threads on one token's bucket, as concurrent publishers of one tenant are. */
  @Benchmark
  @Threads(2)
  public void rateLimiterAcquire() {
    rateLimiter.acquire("token-0", unlimited, 1);
  }
}
